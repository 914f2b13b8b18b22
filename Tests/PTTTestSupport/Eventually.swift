/// Checks `condition` every `every` until it holds or `timeout` has passed; returns whether it
/// held. The last check comes after the deadline, so a condition met just in time counts.
public func eventually(timeout: Duration, every: Duration = .milliseconds(10),
                       _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: every)
    }
    return try await condition()
}
