import Synchronization

/// A value handed from one thread to another once.
final class LockedBox<Value: Sendable>: Sendable {
    let value: Mutex<Value?>
    init(_ value: Value) { self.value = Mutex(value) }
    /// The value, the first time; nil after.
    func take() -> Value? { value.withLock { v in defer { v = nil }; return v } }
}
