import Foundation
import Models
import NN
import Pipeline
import Tensor

/// Parameters for building a model from its config alone: each shape the model asks for is refused
/// as a `WeightLoader` would refuse it when no safetensors file can hold it (a negative size, or more
/// bytes than ORBIT_MAX_TENSOR_BYTES allows even as F16), else served as a zero-stride view
/// (`ParameterShapeRecorder`), so that a 1.5 B-parameter config costs kilobytes.
final class LoadableShapes: ParameterSource {
    private let recorder = ParameterShapeRecorder()
    private let path: String
    private let maximumBytes: Int
    init(weightsOf path: String) throws { (self.path, maximumBytes) = (path, try InputLimit.tensorBytes.value()) }

    func parameter(_ key: String, shape: [Int], initializer: Initializer) throws -> Tensor {
        guard let elements = Int.checkedProduct(shape), let bytes = Int.checkedProduct([elements, 2]), bytes <= maximumBytes else {
            throw WeightError("\(path): no weight file can hold '\(key)' of shape \(shape)")
        }
        return try recorder.parameter(key, shape: shape, initializer: initializer)
    }
}

/// The config.json readers of every model kind, each fed the same bytes, each followed by building its
/// model on `LoadableShapes` (what the loader does next, minus the weights' values):
/// - UNetSpatioTemporalConfig(diffusersConfigAt:) -> UNetSpatioTemporal (generator, verify-model)
/// - VAEEncoder.Config(diffusersConfigAt:) -> AutoencoderKLTemporalDecoder
/// - CLIPVision.Config(transformersConfigAt:) -> CLIPVision
/// - CodableConfigFile.read(NPHMConfiguration) -> NPHMHead (HeadModel.loadHead: orbit mesh)
/// - CodableConfigFile.read(UNet1DConfiguration) -> UNet1D (HeadPrior.load)
/// - GeneratorModel.load of a folder holding the committed default's configs, with the input as each
///   of them in turn (model_index.json, unet/, vae/, image_encoder/, identity_proj/config.json; no
///   weights: the load ends at the first weight file, after every config was read and checked
///   together).
struct ModelConfigHarness: FuzzHarness {
    let scratch: ScratchFolder
    /// The generator folder's valid files by path, each restored after the input stood in for it (bytes,
    /// not Data: LeakSanitizer cannot follow the tagged pointers of a long-lived Data and would report
    /// it as leaked).
    let generatorFiles: [(path: String, bytes: [UInt8])]

    init(scratch: ScratchFolder) throws {
        self.scratch = scratch
        let small = GeneratorModel.Configuration.small
        func json(_ object: [String: Any]) throws -> [UInt8] {
            [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]))
        }
        generatorFiles = [
            ("generator/model_index.json", try json(["_class_name": "OrbitGeneratorPipeline", "resolution": small.resolution, "sigma_max": small.sigmaMax,
                                                     "weights": "orbit-fuzz", "camera_ids": ["cond_aug", "polar_rad", "azimuth_rad"]])),
            ("generator/unet/config.json", try json(small.unet.diffusersConfig)),
            ("generator/vae/config.json", try json(small.vae.diffusersConfig)),
            ("generator/image_encoder/config.json", try json(small.imageEncoder.transformersConfig)),
            ("generator/identity_proj/config.json", try json(["_class_name": "OrbitIdentityProjection", "identity_dim": small.identityDim ?? 128,
                                                              "context_dim": small.unet.contextDim,
                                                              "identity_encoder": small.identityEncoder.rawValue])),
        ]
        for file in generatorFiles { try scratch.write(Data(file.bytes), to: file.path) }
    }

    func run(_ input: Data) throws {
        let path = try scratch.write(input, to: "config.json")
        func weights() throws -> WeightScope { WeightScope(try LoadableShapes(weightsOf: path)) }
        func attempt(_ body: () throws -> Void) {
            do { try body() } catch { requireErrorNamesFile(error, under: scratch.path) }
        }
        attempt { _ = try UNetSpatioTemporal(try weights(), config: try UNetSpatioTemporalConfig(diffusersConfigAt: path)) }
        attempt { _ = try AutoencoderKLTemporalDecoder(try weights(), config: try VAEEncoder.Config(diffusersConfigAt: path)) }
        attempt { _ = try CLIPVision(try weights(), config: try CLIPVision.Config(transformersConfigAt: path)) }
        attempt {
            let config = try CodableConfigFile.read(NPHMConfiguration.self, from: path, what: "an NPHM configuration")
            _ = try NPHMHead(try weights(), config: config)
        }
        attempt {
            let config = try CodableConfigFile.read(UNet1DConfiguration.self, from: path, what: "a UNet1D configuration")
            _ = try UNet1D(try weights(), config: config)
        }
        for file in generatorFiles {
            try scratch.write(input, to: file.path)
            attempt { _ = try GeneratorModel.load(from: scratch.file("generator")) }
            try scratch.write(Data(file.bytes), to: file.path)
        }
    }

    func seeds() throws -> [String: Data] {
        var seeds: [String: Data] = [:]
        let committed = ["model_index.json", "unet/config.json", "vae/config.json", "image_encoder/config.json", "identity_proj/config.json"]
        for file in committed { seeds["orbit-small-" + file.replacingOccurrences(of: "/", with: "-")] = try SeedCorpus.file("Weights/orbit-small/" + file) }
        seeds["orbit-head-head-config.json"] = try SeedCorpus.file("Weights/orbit-head/head/config.json")
        seeds["orbit-head-prior-config.json"] = try SeedCorpus.file("Weights/orbit-head/prior/config.json")
        let fixtures = ["unet/unet_config/config.json", "vae/tiny_temporal_vae_config/config.json", "clip/tiny_clip_gelu_config/config.json",
                        "clip/tiny_clip_quick_gelu_config/config.json", "nphm/config.json", "prior/unet1d_config.json"]
        for file in fixtures { seeds["fixture-" + file.replacingOccurrences(of: "/", with: "-")] = try SeedCorpus.file("Tests/Fixtures/" + file) }
        let tiny = GeneratorModel.Configuration.tiny
        for (name, object) in [("tiny-unet", tiny.unet.diffusersConfig), ("tiny-vae", tiny.vae.diffusersConfig),
                               ("tiny-clip", tiny.imageEncoder.transformersConfig)] {
            seeds[name + ".json"] = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        }
        // The bad configs of docs/BAD_INPUTS.md.
        let unet = seeds["tiny-unet.json"]!, vae = seeds["tiny-vae.json"]!, clip = seeds["tiny-clip.json"]!
        seeds["bad-unet-heads-zero.json"] = SeedCorpus.replacing("\"num_attention_heads\":[1,2]", with: "\"num_attention_heads\":[0,0]", in: unet)
        seeds["bad-unet-layers-negative.json"] = SeedCorpus.replacing("\"layers_per_block\":1", with: "\"layers_per_block\":-1", in: unet)
        seeds["bad-vae-groups.json"] = SeedCorpus.replacing("\"block_out_channels\"", with: "\"norm_num_groups\":7,\"block_out_channels\"", in: vae)
        seeds["bad-clip-patch-zero.json"] = SeedCorpus.replacing("\"patch_size\":8", with: "\"patch_size\":0", in: clip)
        seeds["bad-index-resolution.json"] = SeedCorpus.replacing("\"resolution\" : 128", with: "\"resolution\" : 40", in: seeds["orbit-small-model_index.json"]!)
        seeds["bad-nphm-no-anchors.json"] = SeedCorpus.replacing("\"symmetric_pairs\": 3", with: "\"symmetric_pairs\": 0", in:
            SeedCorpus.replacing("\"midline_anchors\": 2", with: "\"midline_anchors\": 0", in: seeds["fixture-nphm-config.json"]!))
        seeds["bad-unet1d-groups.json"] = SeedCorpus.replacing("\"groups\": 2", with: "\"groups\": 3", in: seeds["fixture-prior-unet1d_config.json"]!)
        return seeds
    }
}
