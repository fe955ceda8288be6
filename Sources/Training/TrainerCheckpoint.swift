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

    /// Loads a checkpoint into the given parameters (in place), optimiser and EMA. Throws, naming the
    /// file, when it belongs to another configuration or lacks an entry.
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
        func entry(_ key: String, like p: Tensor) throws -> Tensor {
            guard let e = file.entries[key] else { throw TrainingError("\(path): checkpoint lacks \(key)") }
            guard e.shape == p.shape else { throw TrainingError("\(path): \(key) has shape \(e.shape), expected \(p.shape)") }
            return try file.tensor(key)
        }
        var moments: [(parameter: Tensor, m: Tensor, v: Tensor)] = []
        for (key, p) in parameters {
            let value = try entry("model." + key, like: p).contiguous()
            p.data.update(from: value.data, count: p.count)
            if file.entries["adam_m." + key] != nil {
                moments.append((p, try entry("adam_m." + key, like: p), try entry("adam_v." + key, like: p)))
            }
        }
        optimizer.restore(step: adamStep, moments: moments)
        if let ema {
            try ema.restore { key in
                guard file.entries["ema." + key] != nil else { throw TrainingError("\(path): checkpoint lacks ema.\(key)") }
                return try file.tensor("ema." + key)
            }
        }
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
