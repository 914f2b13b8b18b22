import Glibc
import PTTProtocol
import PTTSystem
import Testing

@Suite struct PosixTests {
    @Test func aMissingFileIsAnOpenErrorWithItsErrno() {
        #expect(throws: PosixError(.noSuchFileOrDirectory, call: "open")) { try Posix.readFile("/nonexistent/ptt-test", limit: 10) }
    }

    @Test func aDirectoryFailsToRead() {
        #expect(throws: PosixError(.isDirectory, call: "read")) { try Posix.readFile("/", limit: 10) }
    }

    @Test func writeAllThenReadFileGivesTheBytesBackAndTheLimitHolds() throws {
        let path = "/tmp/ptt-posix-\(getpid())"
        defer { unlink(path) }
        let fd = try Posix.call("open") { open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try Posix.writeAll(fd, bytes)
        close(fd)
        #expect(try Posix.readFile(path, limit: 1 << 20) == bytes)
        #expect(throws: PosixError(.fileTooLarge, call: "read")) { try Posix.readFile(path, limit: 1000) }
    }

    @Test func aFailedCallNamesItselfAndTheSystemsWords() {
        #expect(throws: PosixError(.badFileDescriptor, call: "write")) { try Posix.writeAll(-1, [1, 2, 3]) }
        #expect(PosixError(.noSuchFileOrDirectory, call: "open").description == "open: No such file or directory")
        #expect(Posix.writeAll(-1, [UInt8(1)], 1) == .badFileDescriptor)
    }

    @Test func theMonotonicClockMovesForwardAndSleeps() {
        let a = MonotonicClock.now()
        MonotonicClock.sleep(nanos: 2 * .millisecond)
        let b = MonotonicClock().now()
        #expect(b >= a + 2 * .millisecond)
    }

    @Test func aManualClockMovesOnlyWhenToldAndNeverBack() {
        let clock = ManualClock(5 * .second)
        clock.advance(by: 20 * .millisecond)
        #expect(clock.now() == 5_020_000_000)
        clock.set(1)
        #expect(clock.now() == 5_020_000_000)
    }
}
