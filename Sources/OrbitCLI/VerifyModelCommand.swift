import ArgumentParser
import CommandSupport
import Foundation
import Models
import NN
import Tensor

/// `orbit verify-model --model DIR --io FILE`: runs a diffusers-layout model directory (config.json +
/// diffusion_pytorch_model.safetensors) on inputs stored under diffusers' forward-argument names and
/// prints the largest absolute difference to the stored outputs: how a user checks a converted
/// checkpoint against the framework that produced FILE.
struct VerifyModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-model",
        abstract: "Run a diffusers-layout model on stored inputs and compare with the stored output.",
        discussion: """
            UNetSpatioTemporalConditionModel: FILE holds `sample` [B,F,C,H,W], `timestep` [B], \
            `encoder_hidden_states` [B,L,D], `added_time_ids` [B,n] or `added_time_ids_per_frame` [B,F,n], and `out`.
            AutoencoderKLTemporalDecoder: `image` [N,3,H,W] with `mean` (the latent mean), and/or \
            `z_frames` [B,F,C,h,w] with `decoded` [B*F,3,H,W].
            CLIPVisionModelWithProjection (transformers config.json, model.safetensors): `pixel_values` with `image_embeds`.
            """)

    @Option(help: "Model directory (config.json and diffusion_pytorch_model.safetensors).")
    var model: String

    @Option(help: "Safetensors file with the inputs and the expected outputs.")
    var io: String

    @Flag(help: "Print one JSON object {\"max_abs_diff\": x, \"outputs\": n}.")
    var json = false

    /// One output of the model next to what FILE expects.
    typealias Comparison = (name: String, produced: Tensor, expected: Tensor)

    func run() throws {
        let configPath = model + "/config.json"
        // diffusers' weights file name, or transformers' (the CLIP image encoder's directory).
        let weightsPath = [model + "/diffusion_pytorch_model.safetensors", model + "/model.safetensors"]
            .first { FileManager.default.fileExists(atPath: $0) } ?? model + "/diffusion_pytorch_model.safetensors"
        for path in [configPath, weightsPath, io] where !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("\(path): no such file")
        }
        let file = try SafeTensorsFile(path: io)
        // NaN compares false with everything, so a NaN anywhere would otherwise read as "difference 0".
        try requireFinite(file, "")
        try requireFinite(try SafeTensorsFile(path: weightsPath), "weight ")
        let config = try ModelConfigFile(path: configPath)
        let comparisons: [Comparison]
        switch config.className {
        case nil where try config.string("model_type") == "clip_vision_model":
            let clipConfig = try CLIPVision.Config(transformersConfigAt: configPath)
            let clip = try WeightLoader.load(path: weightsPath) { try CLIPVision($0, config: clipConfig) }
            let pixels = try file.tensor("pixel_values"), size = clipConfig.imageSize
            guard pixels.rank == 4, pixels.shape[0] > 0, Array(pixels.shape[1...]) == [3, size, size] else {
                throw CommandFailure("\(io): pixel_values is \(pixels.shape), want [N, 3, \(size), \(size)] with N >= 1")
            }
            comparisons = [("image_embeds", noGrad { clip(pixels) }, try file.tensor("image_embeds"))]
        case "UNetSpatioTemporalConditionModel", nil:
            comparisons = try verifyUNet(config: try UNetSpatioTemporalConfig(diffusersConfigAt: configPath), weights: weightsPath, file)
        case "AutoencoderKLTemporalDecoder":
            comparisons = try verifyVAE(config: try VAEEncoder.Config(diffusersConfigAt: configPath), weights: weightsPath, file)
        case let other?:
            throw CommandFailure("\(configPath): verify-model runs UNetSpatioTemporalConditionModel, "
                                 + "AutoencoderKLTemporalDecoder and CLIPVisionModelWithProjection, not \(other)")
        }
        var diff: Float = 0, outputs = 0
        for c in comparisons {
            guard c.produced.shape == c.expected.shape else {
                throw CommandFailure("\(io): \(c.name) is \(c.expected.shape) but the model produced \(c.produced.shape)")
            }
            let bad = c.produced.nonFiniteCount
            guard bad == 0 else {
                throw CommandFailure("\(io): the model produced \(bad) NaN or infinite values in \(c.name) from finite inputs and weights")
            }
            diff = zip(c.produced.toArray(), c.expected.toArray()).reduce(diff) { Swift.max($0, abs($1.0 - $1.1)) }
            outputs += c.expected.count
        }
        if json {
            try printJSON(["max_abs_diff": diff, "outputs": outputs])
        } else {
            print("\(io): max |difference| \(String(format: "%.3g", diff)) over \(outputs) outputs "
                  + "(\(comparisons.map(\.name).joined(separator: ", ")))")
        }
    }

    /// Throws, naming the file and the tensor, when a tensor of `file` holds NaN or infinite values.
    func requireFinite(_ file: SafeTensorsFile, _ kind: String) throws {
        for name in file.names where [.f32, .f16, .bf16].contains(file.entries[name]!.dtype) {
            let bad = try file.tensor(name).nonFiniteCount
            guard bad == 0 else {
                throw CommandFailure("\(file.path): \(kind)'\(name)' holds \(bad) NaN or infinite values; nothing can be compared with it")
            }
        }
    }

    func verifyUNet(config: UNetSpatioTemporalConfig, weights: String, _ file: SafeTensorsFile) throws -> [Comparison] {
        let unet = try WeightLoader.load(path: weights) { try UNetSpatioTemporal($0, config: config) }
        let ids = try file.entries["added_time_ids_per_frame"] != nil ? file.tensor("added_time_ids_per_frame")
                                                                        : file.tensor("added_time_ids")
        let (sample, timestep, context) = (try file.tensor("sample"), try file.tensor("timestep"),
                                           try file.tensor("encoder_hidden_states"))
        if let problem = unet.inputProblem(sample: sample, timestep: timestep, context: context, addedTimeIds: ids) {
            throw CommandFailure("\(io): \(problem)")
        }
        let out = noGrad { unet(sample, timestep: timestep, context: context, addedTimeIds: ids) }
        return [("out", out, try file.tensor("out"))]
    }

    func verifyVAE(config: VAEEncoder.Config, weights: String, _ file: SafeTensorsFile) throws -> [Comparison] {
        let vae = try WeightLoader.load(path: weights) { try AutoencoderKLTemporalDecoder($0, config: config) }
        let factor = 1 << (config.blockOutChannels.count - 1)
        var comparisons: [Comparison] = []
        if file.entries["image"] != nil {
            let image = try file.tensor("image")
            guard image.rank == 4, image.shape.allSatisfy({ $0 > 0 }), image.shape[1] == config.inChannels, image.shape[2] % factor == 0,
                  image.shape[3] % factor == 0 else {
                throw CommandFailure("\(io): image is \(image.shape), want [N, \(config.inChannels), H, W] with N >= 1 and H and W positive multiples of \(factor)")
            }
            comparisons.append(("mean", noGrad { vae.encoder(image).mean }, try file.tensor("mean")))
        }
        if file.entries["z_frames"] != nil {
            let z = try file.tensor("z_frames")
            guard z.rank == 5, z.shape.allSatisfy({ $0 > 0 }), z.shape[2] == config.latentChannels else {
                throw CommandFailure("\(io): z_frames is \(z.shape), want [B, F, \(config.latentChannels), h, w] with every size at least 1")
            }
            let frames = z.reshaped([z.shape[0] * z.shape[1]] + Array(z.shape[2...]))
            comparisons.append(("decoded", noGrad { vae.decode(frames, frames: z.shape[1]) }, try file.tensor("decoded")))
        }
        guard !comparisons.isEmpty else { throw CommandFailure("\(io): holds neither `image` nor `z_frames`") }
        return comparisons
    }
}
