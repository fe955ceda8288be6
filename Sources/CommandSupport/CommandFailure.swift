import Foundation

/// A runtime failure reported as "Error: <message>" with exit status 1 (no usage text, unlike
/// ArgumentParser's ValidationError, which is for malformed command lines).
public struct CommandFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Prints a JSON object on one line with sorted keys (the `--json` output of every command).
public func printJSON(_ object: [String: Any]) throws {
    print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
}
