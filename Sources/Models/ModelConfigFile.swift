import Foundation

/// A diffusers or transformers `config.json`, read with errors that name the file and the key.
public struct ModelConfigFile {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public let path: String
    let json: [String: Any]

    public init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem(description: "\(path): cannot read the file") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Problem(description: "\(path): not a JSON object")
        }
        json = object
    }

    /// `_class_name`, the diffusers class the file configures.
    public var className: String? { json["_class_name"] as? String }

    public func fail(_ message: String) -> Problem { Problem(description: "\(path): \(message)") }

    func require(className expected: String) throws {
        if let name = className, name != expected { throw fail("is a \(name), not a \(expected)") }
    }

    public func int(_ key: String) throws -> Int? {
        guard let value = json[key] else { return nil }
        guard let number = value as? Int else { throw fail("\(key) must be an integer") }
        return number
    }

    public func double(_ key: String) throws -> Double? {
        guard let value = json[key] else { return nil }
        guard let number = value as? Double else { throw fail("\(key) must be a number") }
        return number
    }

    public func requiredInt(_ key: String) throws -> Int {
        guard let value = try int(key) else { throw fail("missing \(key)") }
        return value
    }

    public func string(_ key: String) throws -> String? {
        guard let value = json[key] else { return nil }
        guard let text = value as? String else { throw fail("\(key) must be a string") }
        return text
    }

    func ints(_ key: String) throws -> [Int]? {
        guard let value = json[key] else { return nil }
        guard let list = value as? [Int], !list.isEmpty else { throw fail("\(key) must be a list of integers") }
        return list
    }

    /// An int or a list of `count` ints.
    func perLevel(_ key: String, _ count: Int) throws -> [Int]? {
        switch json[key] {
        case nil: return nil
        case let n as Int: return Array(repeating: n, count: count)
        case let list as [Int] where list.count == count: return list
        default: throw fail("\(key) must be an integer or a list of \(count)")
        }
    }

    /// An int, or a list of `count` equal ints (what a model with one size for every level accepts).
    func uniform(_ key: String, _ count: Int) throws -> Int? {
        guard let values = try perLevel(key, count) else { return nil }
        guard Set(values).count == 1 else { throw fail("\(key) must be the same on every level") }
        return values[0]
    }

    /// Writes a config object as sorted, indented JSON, atomically (a temporary file renamed).
    public static func write(_ object: [String: Any], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Throws, naming the key and its value, unless every value of each key is at least 1: sizes of zero
    /// or below divided by zero or built negative ranges deep inside the layers.
    public func requirePositive(_ sizes: KeyValuePairs<String, [Int]>) throws {
        for (key, values) in sizes where values.contains(where: { $0 < 1 }) {
            throw fail("\(key) must be at least 1, got \(values.count == 1 ? "\(values[0])" : "\(values)")")
        }
    }

    /// Throws unless `divisor` (the value of `divisorKey`) divides every value of `key`.
    public func require(_ divisorKey: String, _ divisor: Int, divides key: String, _ values: [Int]) throws {
        if let value = values.first(where: { $0 % divisor != 0 }) {
            throw fail("\(divisorKey) \(divisor) does not divide \(key) \(value)")
        }
    }

    func strings(_ key: String, mustEqual expected: [String]) throws {
        if let value = json[key], (value as? [String]) != expected { throw fail("\(key) must be \(expected)") }
    }
}

/// Ceilings on what a config may ask a model to build, beyond any real model's and below what
/// overflows or allocates without end while the model is built (before its weight file is consulted).
public enum ModelSizeLimits {
    /// Layers per block, or in all (layers_per_block 2333333333333 reserved an 18 TB array up front).
    public static let maximumLayers = 1024
    /// Widths, lengths and codes (channels, hidden sizes, sequence lengths); SVD's widest is 5,120.
    public static let maximumWidth = 1 << 20
}

extension ModelConfigFile {
    /// Throws, naming the key and its value, when a layer count is over `ModelSizeLimits.maximumLayers`.
    public func requireLayerCounts(_ counts: KeyValuePairs<String, Int>) throws {
        for (key, value) in counts where value > ModelSizeLimits.maximumLayers {
            throw fail("\(key) \(value) is over the limit of \(ModelSizeLimits.maximumLayers) layers")
        }
    }
}

/// A model configuration that can say why its sizes cannot build a model (`validated()` throws then).
/// `CodableConfigFile.read` validates what it reads, naming the file.
public protocol ValidatedConfiguration {
    func validated() throws -> Self
}

extension NPHMConfiguration: ValidatedConfiguration {}
extension UNet1DConfiguration: ValidatedConfiguration {}
