import Foundation
import NN
import Tensor

/// A training run's whole state in one safetensors file, written atomically (temporary file, then
/// rename), so an interrupted run resumes bit-exactly: the trained parameters (`model.<key>`), Adam's
/// moments (`adam_m.<key>`, `adam_v.<key>`) and step, the EMA shadows (`ema.<key>`), and metadata
/// (the step, a fingerprint of the run's configuration, the loss history as JSON).
public enum TrainerCheckpoint {
    public struct Contents {
        public var step: Int
        public var history: [LossRecord]
        public var metadata: [String: String]
    }

    public static func save(to path: String, step: Int, fingerprint: String, parameters: [(String, Tensor)], optimizer: Adam,
                            ema: ExponentialMovingAverage?, history: [LossRecord], metadata: [String: String] = [:]) throws {
        var tensors: [(String, Tensor)] = parameters.map { ("model." + $0.0, $0.1) }
        for (key, p) in parameters {
            if let (m, v) = optimizer.moments(of: p) {
                tensors.append(("adam_m." + key, m))
                tensors.append(("adam_v." + key, v))
            }
        }
        if let ema { tensors += ema.shadows.map { ("ema." + $0.0, $0.1) } }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same state, the same bytes (dictionaries hash in a per-process order)
        let historyJSON = String(decoding: try encoder.encode(history), as: UTF8.self)
        var meta = metadata
        meta["step"] = "\(step)"
        meta["adam_step"] = "\(optimizer.step)"
        meta["fingerprint"] = fingerprint
        meta["history"] = historyJSON
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try SafeTensors.write(tensors, metadata: meta, to: path)
    }

    /// A job's start: (0, no history) when `path` does not exist; the restored step and history when it
    /// does and `resume` is set; an error naming the file when it exists and `resume` is not set.
    public static func start(from path: String, resume: Bool, fingerprint: String, parameters: [(String, Tensor)],
                             optimizer: Adam, ema: ExponentialMovingAverage?) throws -> (step: Int, history: [LossRecord]) {
        guard FileManager.default.fileExists(atPath: path) else { return (0, []) }
        guard resume else { throw TrainingError("\(path) exists: pass --resume to continue it, or use another --out") }
        let restored = try restore(from: path, fingerprint: fingerprint, parameters: parameters, optimizer: optimizer, ema: ema)
        return (restored.step, restored.history)
    }

    /// The largest step or Adam step a checkpoint may claim (a larger Adam step overflowed in the next update).
    public static let maximumStep = Int(Int32.max)

    /// Loads a checkpoint into the given parameters (in place), optimiser and EMA. Throws, naming the
    /// file, when it belongs to another configuration, lacks an entry or holds one that does not fit:
    /// a shape other than the model's, a NaN or infinite value, a negative Adam second moment, a step
    /// or Adam step that is not a whole number in 0...maximumStep. Everything is checked before
    /// anything is changed.
    public static func restore(from path: String, fingerprint: String, parameters: [(String, Tensor)], optimizer: Adam,
                               ema: ExponentialMovingAverage?) throws -> Contents {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch { throw TrainingError("\(path): cannot read the checkpoint: \(error)") }
        guard file.metadata["fingerprint"] == fingerprint else {
            throw TrainingError("\(path): checkpoint of another configuration (\(file.metadata["fingerprint"] ?? "?")); this run is "
                                + "\(fingerprint). Remove it or use another --out")
        }
        guard let step = file.metadata["step"].flatMap(Int.init), let adamStep = file.metadata["adam_step"].flatMap(Int.init),
              let historyData = file.metadata["history"]?.data(using: .utf8),
              let history = try? JSONDecoder().decode([LossRecord].self, from: historyData)
        else { throw TrainingError("\(path): checkpoint metadata is damaged (step, adam_step, history)") }
        for (name, value) in [("step", step), ("adam_step", adamStep)] where !(0...maximumStep).contains(value) {
            throw TrainingError("\(path): \(name) \(value) is not a whole number in 0...\(maximumStep)")
        }
        /// The tensor `key`, checked to have `p`'s shape and values that are finite and at least `low`.
        func entry(_ key: String, like p: Tensor, atLeast low: Float = -.greatestFiniteMagnitude) throws -> Tensor {
            guard let e = file.entries[key] else { throw TrainingError("\(path): checkpoint lacks \(key)") }
            guard e.shape == p.shape else { throw TrainingError("\(path): \(key) has shape \(e.shape), expected \(p.shape)") }
            let t = try file.tensor(key).contiguous(), values = t.data
            if let bad = (0..<t.count).first(where: { !(values[$0] >= low && values[$0] <= .greatestFiniteMagnitude) }) {
                throw TrainingError("\(path): \(key)[\(bad)] is \(values[bad]) (\(values[bad].isFinite ? "below \(low)" : "not finite"))")
            }
            return t
        }
        let values = try parameters.map { key, p in try entry("model." + key, like: p) }
        var moments: [(parameter: Tensor, m: Tensor, v: Tensor)] = []
        for (key, p) in parameters where file.entries["adam_m." + key] != nil {
            moments.append((p, try entry("adam_m." + key, like: p), try entry("adam_v." + key, like: p, atLeast: 0)))
        }
        let shadows = try ema.map { ema in
            Dictionary(try ema.shadows.map { key, shadow in (key, try entry("ema." + key, like: shadow)) }, uniquingKeysWith: { a, _ in a })
        }
        for ((_, p), value) in zip(parameters, values) { p.data.update(from: value.data, count: p.count) }
        optimizer.restore(step: adamStep, moments: moments)
        if let ema, let shadows { ema.restore { shadows[$0]! } }
        return Contents(step: step, history: history, metadata: file.metadata)
    }
}

/// One point of a run's loss history: the step, the total loss and its named terms (means over the
/// steps since the previous record).
public struct LossRecord: Codable, Sendable {
    public var step: Int
    public var loss: Float
    public var terms: [String: Float]
    public init(step: Int, loss: Float, terms: [String: Float] = [:]) { (self.step, self.loss, self.terms) = (step, loss, terms) }
}
