/// A runtime failure reported as "Error: <message>" with exit status 1 (no usage text, unlike
/// ArgumentParser's ValidationError, which is for malformed command lines).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
