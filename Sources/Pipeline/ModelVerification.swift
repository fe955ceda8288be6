import Foundation
import Models
import NN
import Tensor

/// `orbit verify-model`: a diffusers-layout model directory run on the inputs of an IO file saved from
/// diffusers calls, compared with the outputs the file stores. The file is taken as diffusers users
/// save one: each call's arguments under diffusers' argument names and shaped as diffusers takes them
/// (a one-element `timestep` for a batch; temporal-VAE latents `z` as [B*F, C, h, w]), and only the
/// outputs they kept: what is stored is compared, what is not is listed, and only a file with nothing
/// comparable fails.
public struct ModelVerification {
    /// One stored output next to what the model produced from the stored inputs.
    public struct Comparison: Sendable {
        public let name: String
        public let maxAbsDifference: Float
        public let values: Int
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public private(set) var compared: [Comparison] = []
    /// What was decided on the file's behalf (a frame count and where it came from) and what was not
    /// compared and why.
    public private(set) var notes: [String] = []

    public var maxAbsDifference: Float { compared.map(\.maxAbsDifference).max() ?? 0 }
    public var values: Int { compared.reduce(0) { $0 + $1.values } }

    /// Runs `model` (config.json + diffusion_pytorch_model.safetensors, or transformers' model.safetensors)
    /// on `io`'s inputs. Throws, naming the file and the tensor, on NaN or infinite values in the IO
    /// file, the weights or the output, and when nothing in the file can be compared.
    public static func run(model: String, io: String) throws -> ModelVerification {
        let configPath = model + "/config.json"
        // diffusers' weights file name, or transformers' (the CLIP image encoder's directory).
        let weights = [model + "/diffusion_pytorch_model.safetensors", model + "/model.safetensors"]
            .first { FileManager.default.fileExists(atPath: $0) } ?? model + "/diffusion_pytorch_model.safetensors"
        for path in [configPath, weights, io] where !FileManager.default.fileExists(atPath: path) { throw Failure("\(path): no such file") }
        let file = try SafeTensorsFile(path: io)
        // NaN compares false with everything, so a NaN anywhere would otherwise read as "difference 0".
        try requireFinite(file, "")
        try requireFinite(try SafeTensorsFile(path: weights), "weight ")
        var verification = ModelVerification(), calls = StoredCalls(file: file)
        let config = try ModelConfigFile(path: configPath)
        switch config.className {
        case nil where try config.string("model_type") == "clip_vision_model":
            try verification.clip(CLIPVision.Config(transformersConfigAt: configPath), weights: weights, &calls)
        case "UNetSpatioTemporalConditionModel", nil:
            try verification.unet(UNetSpatioTemporalConfig(diffusersConfigAt: configPath), weights: weights, &calls)
        case "AutoencoderKLTemporalDecoder":
            try verification.vae(VAEEncoder.Config(diffusersConfigAt: configPath), model: model, weights: weights, &calls)
        case let other?:
            throw Failure("\(configPath): verify-model runs UNetSpatioTemporalConditionModel, AutoencoderKLTemporalDecoder and "
                          + "CLIPVisionModelWithProjection, not \(other)")
        }
        verification.notes += calls.notes
        if !calls.unused.isEmpty { verification.notes.append("not used: \(calls.unused.joined(separator: ", "))") }
        guard !verification.compared.isEmpty else {
            throw Failure("\(io): nothing to compare: " + (verification.notes.isEmpty ? "no stored output" : verification.notes.joined(separator: "; ")))
        }
        return verification
    }

    /// Records the comparison of `produced` with the stored `expected` (same shape).
    mutating func compare(_ name: String, produced: Tensor, expected: Tensor, io: String) throws {
        guard produced.shape == expected.shape else {
            throw Failure("\(io): \(name) is \(expected.shape) but the model produced \(produced.shape)")
        }
        let bad = produced.nonFiniteCount
        guard bad == 0 else { throw Failure("\(io): the model produced \(bad) NaN or infinite values in \(name) from finite inputs and weights") }
        compared.append(Comparison(name: name, maxAbsDifference: Self.maxAbsDifference(produced, expected), values: expected.count))
    }

    mutating func note(_ text: String) { notes.append(text) }

    static func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.toArray(), b.toArray()).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
    }

    /// Throws, naming the file and the tensor, when a tensor of `file` holds NaN or infinite values.
    static func requireFinite(_ file: SafeTensorsFile, _ kind: String) throws {
        for name in file.names where [.f32, .f16, .bf16].contains(file.entries[name]!.dtype) {
            let bad = try file.tensor(name).nonFiniteCount
            guard bad == 0 else { throw Failure("\(file.path): \(kind)'\(name)' holds \(bad) NaN or infinite values; nothing can be compared with it") }
        }
    }
}

/// The calls an IO file holds: a call is there when its inputs are, and comparable when one of its
/// outputs is stored too. Keeps which tensors were used and notes the calls found incomplete.
struct StoredCalls {
    let file: SafeTensorsFile
    private(set) var used: Set<String> = []
    private(set) var notes: [String] = []

    init(file: SafeTensorsFile) { self.file = file }

    var path: String { file.path }

    /// The stored name among `names` (diffusers' names for one tensor), if any.
    func name(_ names: [String]) -> String? { names.first { file.entries[$0] != nil } }

    func has(_ names: [String]) -> Bool { name(names) != nil }

    mutating func tensor(_ names: [String]) throws -> Tensor {
        guard let name = name(names) else { throw ModelVerification.Failure("\(path): lacks \(names.joined(separator: " or "))") }
        used.insert(name)
        return try file.tensor(name)
    }

    /// The stored output of a call with these inputs (each a list of accepted names): its name, when
    /// both the output and every input are stored; otherwise nil, with a note when the call is half there.
    mutating func output(_ outputs: [String], of inputs: [[String]], call: String) -> String? {
        let missing = inputs.filter { !has($0) }.map { $0.joined(separator: " or ") }
        let stored = name(outputs)
        switch (stored, missing.isEmpty) {
        case (let stored?, true): return stored
        case (let stored?, false): notes.append("\(stored): not compared (\(call) needs \(missing.joined(separator: ", ")), not stored)")
        case (nil, true): notes.append("\(outputs.joined(separator: " or ")): not stored, not compared")
        case (nil, false): break  // the call is not in the file
        }
        return nil
    }

    var unused: [String] { file.names.filter { !used.contains($0) }.sorted() }
}
