import Foundation

/// A ceiling on what a file may claim before Orbit allocates for it (a header's tensor size, a PLY's
/// vertex count, an image's pixels), changeable through an environment variable. Read at each use,
/// so a test or a long-running caller can change it.
public struct InputLimit: Sendable {
    /// The environment variable that overrides the default, e.g. ORBIT_MAX_TENSOR_BYTES.
    public let variable: String
    /// What is counted, for messages: "bytes", "Gaussians", "pixels".
    public let unit: String
    public let defaultValue: Int

    /// The largest tensor a safetensors file may declare, in bytes as stored (default 4 GiB).
    public static let tensorBytes = InputLimit(variable: "ORBIT_MAX_TENSOR_BYTES", unit: "bytes", defaultValue: 1 << 32)
    /// The most Gaussians (or point-cloud vertices) read from a PLY or .spz file (default 10 million).
    public static let gaussians = InputLimit(variable: "ORBIT_MAX_GAUSSIANS", unit: "Gaussians", defaultValue: 10_000_000)
    /// The most pixels of an image decoded from PNG or JPEG, checked from its header (default 64 megapixels).
    public static let imagePixels = InputLimit(variable: "ORBIT_MAX_IMAGE_PIXELS", unit: "pixels", defaultValue: 64 << 20)

    /// The limit in force: the variable when it is set to a positive whole number, else the default.
    /// A value that is set but not a positive whole number is an error naming the variable.
    public func value() throws -> Int {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else { return defaultValue }
        guard let n = Int(text), n > 0 else {
            throw InputLimitError(description: "\(variable): '\(text)' is not a positive whole number (the limit on \(unit))")
        }
        return n
    }

    /// Throws an error naming `path`, what the file claims and the limit when `value` is over the limit
    /// (nil: the claim did not even fit an Int).
    public func check(_ value: Int?, claimed: @autoclosure () -> String, path: String) throws {
        let limit = try self.value()
        guard let value, value <= limit else {
            throw InputLimitError(description: "\(path): \(claimed()) is over the limit of \(limit) \(unit) (set \(variable) to raise it)")
        }
    }
}

public struct InputLimitError: Error, CustomStringConvertible {
    public let description: String
}

extension Int {
    /// The product of `factors`, or nil when it overflows or a factor is negative.
    public static func checkedProduct(_ factors: [Int]) -> Int? {
        var product = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (p, overflow) = product.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            product = p
        }
        return product
    }
}
