import Foundation
import Tensor

/// How a parameter is initialised when no checkpoint provides it (PyTorch's defaults).
public enum Initializer: Sendable {
    case uniform(bound: Float)
    case normal(std: Float)
    case ones
    case zeros
    case constant(Float)

    /// torch.nn.Linear / Conv default: kaiming_uniform(a = sqrt 5) => U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    public static func fanIn(_ fanIn: Int) -> Initializer { .uniform(bound: 1 / Float(max(fanIn, 1)).squareRoot()) }
}

public struct WeightError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where parameters come from: a checkpoint (strict) or a seeded initialiser.
public protocol ParameterSource: AnyObject {
    func parameter(_ key: String, shape: [Int], initializer: Initializer) throws -> Tensor
}

/// Loads parameters from a safetensors file by their upstream names. Strict, as DESIGN.md asks:
/// a missing key, a wrong shape or a non-float dtype is an error naming the key, and `finish()`
/// throws on keys the model never asked for.
public final class WeightLoader: ParameterSource {
    public let file: SafeTensorsFile
    private var used = Set<String>()

    public init(path: String) throws { file = try SafeTensorsFile(path: path) }
    public init(file: SafeTensorsFile) { self.file = file }

    public func parameter(_ key: String, shape: [Int], initializer: Initializer) throws -> Tensor {
        guard let entry = file.entries[key] else { throw WeightError("\(file.path): missing key '\(key)' (expected shape \(shape))") }
        guard [.f32, .f16, .bf16].contains(entry.dtype) else {
            throw WeightError("\(file.path): key '\(key)' has dtype \(entry.dtype.rawValue); F32, F16 or BF16 expected")
        }
        guard entry.shape == shape else {
            throw WeightError("\(file.path): key '\(key)' has shape \(entry.shape), expected \(shape)")
        }
        used.insert(key)
        return try file.tensor(key).requiringGrad()
    }

    /// Builds a module from the safetensors file at `path`, strictly: a missing, unused,
    /// wrong-shape or wrong-dtype key is an error naming it.
    public static func load<M>(path: String, _ build: (WeightScope) throws -> M) throws -> M {
        let loader = try WeightLoader(path: path)
        let model = try build(WeightScope(loader))
        try loader.finish()
        return model
    }

    /// Counts `key` as loaded (an overlay supplied it instead).
    func markUsed(_ key: String) { used.insert(key) }

    /// Throws when the file holds keys that no layer loaded.
    public func finish() throws {
        let unused = Set(file.entries.keys).subtracting(used).sorted()
        guard unused.isEmpty else {
            let shown = unused.prefix(10).joined(separator: ", ")
            throw WeightError("\(file.path): \(unused.count) unused key(s): \(shown)\(unused.count > 10 ? ", ..." : "")")
        }
    }
}

/// A checkpoint with some keys replaced by a second file's: a fine-tuned part over the model it was
/// tuned from (SFace's expression-aware embedding head over the pretrained SFace). Strict as
/// `WeightLoader`: every key of both files must be used, the overlay's included.
public final class OverlaidWeightLoader: ParameterSource {
    let base: WeightLoader, overlay: WeightLoader

    public init(base: String, overlay: String) throws { (self.base, self.overlay) = (try WeightLoader(path: base), try WeightLoader(path: overlay)) }

    public func parameter(_ key: String, shape: [Int], initializer: Initializer) throws -> Tensor {
        guard overlay.file.entries[key] != nil else { return try base.parameter(key, shape: shape, initializer: initializer) }
        base.markUsed(key)
        return try overlay.parameter(key, shape: shape, initializer: initializer)
    }

    public static func load<M>(base: String, overlay: String, _ build: (WeightScope) throws -> M) throws -> M {
        let loader = try OverlaidWeightLoader(base: base, overlay: overlay)
        let model = try build(WeightScope(loader))
        try loader.base.finish()
        try loader.overlay.finish()
        return model
    }
}

/// Seeded initialisation: each key gets its own stream derived from (seed, key), so a model's
/// values do not depend on the order its layers are built in.
public final class RandomInitializer: ParameterSource {
    public let seed: UInt64
    public init(seed: UInt64) { self.seed = seed }

    public func parameter(_ key: String, shape: [Int], initializer: Initializer) throws -> Tensor {
        // FNV-1a of the key, mixed with the seed.
        let h = FNV1a.hash(key)
        let s = h ^ (seed &* 0x9E37_79B9_7F4A_7C15)
        let t: Tensor
        switch initializer {
        case .uniform(let bound): t = Tensor.uniform(shape, low: -bound, high: bound, seed: s)
        case .normal(let std): t = Tensor.normal(shape, std: std, seed: s)
        case .ones: t = Tensor(filling: 1, shape: shape)
        case .zeros: t = Tensor(zeros: shape)
        case .constant(let v): t = Tensor(filling: v, shape: shape)
        }
        return t.requiringGrad()
    }
}

/// Builds a model without its values: every parameter is a zero-stride view of one element, so
/// a 1.5 B-parameter configuration can be counted and its key names and shapes checked in
/// kilobytes. The result can only be inspected (shapes, counts), not run.
public final class ParameterShapeRecorder: ParameterSource {
    public private(set) var shapes: [String: [Int]] = [:]
    public init() {}

    public func parameter(_ key: String, shape: [Int], initializer: Initializer) throws -> Tensor {
        shapes[key] = shape
        return Tensor(zeros: [Int](repeating: 1, count: shape.count)).expanded(to: shape)
    }

    public var parameterCount: Int { shapes.values.reduce(0) { $0 + $1.reduce(1, *) } }
}

/// A dotted key prefix over a parameter source: `scope["conv1"].parameter("weight", ...)` loads
/// "down_blocks.0.resnets.0.conv1.weight".
public struct WeightScope {
    public let source: ParameterSource
    public let prefix: String

    public init(_ source: ParameterSource, prefix: String = "") {
        self.source = source
        self.prefix = prefix
    }

    public subscript(_ name: String) -> WeightScope {
        WeightScope(source, prefix: key(name))
    }

    public func key(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }

    public func load(_ name: String, shape: [Int], initializer: Initializer) throws -> Tensor {
        try source.parameter(key(name), shape: shape, initializer: initializer)
    }
}

/// Anything with named parameters.
public protocol Module: AnyObject {
    /// (full key, tensor) pairs, in a stable order.
    var namedParameters: [(String, Tensor)] { get }
}

extension Module {
    public var parameters: [Tensor] { namedParameters.map(\.1) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Marks every parameter as not requiring a gradient and returns the module: for fixed networks
    /// used as metrics and losses (LPIPS, SFace, YuNet), whose backward passes then compute only the
    /// input's gradient instead of every weight's too.
    @discardableResult
    public func frozen() -> Self {
        for p in parameters { p.requiringGrad(false) }
        return self
    }

    /// Saves the parameters under their keys as safetensors.
    public func save(to path: String, metadata: [String: String] = [:], dtype: SafeTensorsDType = .f32) throws {
        try SafeTensors.write(namedParameters, metadata: metadata, dtype: dtype, to: path)
    }
}
