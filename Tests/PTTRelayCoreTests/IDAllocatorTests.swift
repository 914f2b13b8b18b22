import Testing
@testable import PTTRelayCore

@Suite struct IDAllocatorTests {
    @Test func doesNotReuseReleasedIDsSoon() {
        var a = IDAllocator()
        let x = a.allocate(), y = a.allocate()
        #expect(x == 1 && y == 2)
        a.release(1)
        #expect(a.allocate() == 3)
    }

    @Test func wrapsSkippingZeroAndLiveIDs() {
        var a = IDAllocator(first: UInt32.max - 1)
        #expect(a.allocate() == UInt32.max - 1)
        #expect(a.allocate() == UInt32.max)
        #expect(a.allocate() == 1)
        var b = IDAllocator(first: UInt32.max)
        #expect(b.allocate() == UInt32.max)
        b.release(UInt32.max)
        _ = b.allocate() // 1
        #expect(b.live == [1])
    }
}
