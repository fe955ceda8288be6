import Foundation
import Models
import NN
import Tensor

/// The orbit generator's networks, stored as a diffusers pipeline directory:
///
///     model_index.json                 components and Orbit's settings (resolution, identity encoder)
///     unet/config.json, diffusion_pytorch_model.safetensors    UNetSpatioTemporalConditionModel
///     vae/config.json, diffusion_pytorch_model.safetensors     AutoencoderKLTemporalDecoder
///     image_encoder/config.json, model.safetensors             CLIPVisionModelWithProjection
///     identity_proj/config.json, model.safetensors             Orbit's identity token (optional)
///
/// A directory without identity_proj is a stock SVD / SV3D layout: the context is the CLIP token alone.
public final class GeneratorModel {
    public struct Configuration: Equatable, Sendable {
        public var unet: UNetSpatioTemporalConfig
        public var vae: VAEEncoder.Config
        public var imageEncoder: CLIPVision.Config
        /// Width of the identity embedding (SFace: 128), nil for the stock one-token context.
        public var identityDim: Int?
        /// What embeds the identity token's face (identity_proj/config.json's `identity_encoder`).
        public var identityEncoder = IdentityEncoder.sface
        /// Side of the generated square views in pixels (8x the latent side).
        public var resolution: Int
        /// The sampler's largest noise level (model_index.json's `sigma_max`): SVD's 700, or what a model
        /// trained here was trained for.
        public var sigmaMax: Float = 700

        /// Orbit's trained default (`orbit-small`, Weights/orbit-small): 128x128 views (16x16 latents), a
        /// 32-64-128 UNet with a 256-wide context of two tokens and explicit frame positions, the small
        /// VAE, a 4-layer ViT on the 128 px view; sampled from sigma 80 (trained with sigma_data 1).
        public static let small: Configuration = {
            var unet = UNetSpatioTemporalConfig.small
            (unet.blockChannels, unet.heads, unet.contextDim) = ([32, 64, 128], [1, 1, 2], 256)
            unet.explicitFramePositions = true
            var encoder = CLIPVision.Config.small
            (encoder.imageSize, encoder.projectionDim) = (128, 256)
            var c = Configuration(unet: unet, vae: .small, imageEncoder: encoder, identityDim: SFace.embeddingSize, resolution: 128)
            c.sigmaMax = 80
            return c
        }()
        /// The earlier CPU size: 23.9 M-parameter UNet, 256x256 views (32x32 latents), untrained.
        public static let small256 = Configuration(unet: .small, vae: .small, imageEncoder: .small, identityDim: SFace.embeddingSize,
                                                   resolution: 256)
        /// Stable Video Diffusion's sizes (a 1.52 B-parameter UNet, ViT-H/14) with the identity token, 576x576.
        public static let svd = Configuration(unet: .svd, vae: .sd, imageEncoder: .vitH14, identityDim: SFace.embeddingSize,
                                              resolution: 576)
        /// A test-sized model that runs a whole orbit in seconds (32x32 views).
        public static let tiny: Configuration = {
            var unet = UNetSpatioTemporalConfig()
            unet.blockChannels = [32, 64]
            unet.heads = [1, 2]
            unet.layersPerBlock = 1
            unet.contextDim = 64
            unet.addedTimeIdWidths = [8, 16, 16]
            return Configuration(
                unet: unet, vae: .init(blockOutChannels: [32, 32, 32, 32], layersPerBlock: 1, latentChannels: 4, groups: 32),
                imageEncoder: .init(hiddenSize: 32, intermediateSize: 64, projectionDim: 64, layers: 1, heads: 2, imageSize: 32,
                                    patchSize: 8, quickGELU: false),
                identityDim: SFace.embeddingSize, resolution: 32)
        }()

        public static let named: [String: Configuration] = ["small": .small, "small256": .small256, "svd": .svd, "tiny": .tiny]

        /// What the resolution must be a multiple of: the VAE's 8x and the UNet's downsampling.
        public var resolutionFactor: Int { 8 << (unet.blockChannels.count - 1) }

        /// Why the parts do not fit together, or nil.
        public var problem: String? {
            let factor = resolutionFactor
            if imageEncoder.projectionDim != unet.contextDim {
                return "the image encoder projects to \(imageEncoder.projectionDim) but the UNet's context is \(unet.contextDim) wide"
            }
            if unet.inChannels != 2 * vae.latentChannels || unet.outChannels != vae.latentChannels {
                return "the UNet maps \(unet.inChannels) -> \(unet.outChannels) channels; the VAE's latents need "
                    + "\(2 * vae.latentChannels) -> \(vae.latentChannels)"
            }
            if resolution < factor || resolution % factor != 0 { return "resolution \(resolution) is not a positive multiple of \(factor)" }
            return nil
        }
    }

    public let configuration: Configuration
    public let unet: UNetSpatioTemporal
    public let vae: AutoencoderKLTemporalDecoder
    public let imageEncoder: CLIPVision
    public let context: ContextTokens
    /// What the weights are (model_index.json's `weights`): "random initialisation, seed 1", "trained ...".
    public var provenance: String

    /// `sources(component)` gives each component's parameters (a checkpoint or an initialiser).
    init(_ configuration: Configuration, provenance: String, sources: (String) throws -> ParameterSource) throws {
        if let problem = configuration.problem { throw WeightError("generator configuration: \(problem)") }
        self.configuration = configuration
        self.provenance = provenance
        unet = try UNetSpatioTemporal(WeightScope(try sources("unet")), config: configuration.unet)
        vae = try AutoencoderKLTemporalDecoder(WeightScope(try sources("vae")), config: configuration.vae)
        imageEncoder = try CLIPVision(WeightScope(try sources("image_encoder")), config: configuration.imageEncoder)
        context = try ContextTokens(WeightScope(try sources("identity_proj")), contextDim: configuration.unet.contextDim,
                                    identityDim: configuration.identityDim)
    }

    /// Seeded random weights (PyTorch's default initialisers) for every component.
    public static func randomlyInitialised(_ configuration: Configuration, seed: UInt64) throws -> GeneratorModel {
        let source = RandomInitializer(seed: seed)
        return try GeneratorModel(configuration, provenance: "random initialisation, seed \(seed)") { _ in source }
    }

    /// Random weights for every component but the VAE, which comes from a trained diffusers component
    /// folder (config.json and diffusion_pytorch_model.safetensors, as `orbit train vae` writes it);
    /// the configuration takes that VAE's config (its scaling factor included).
    public static func withTrainedVAE(_ configuration: Configuration, vaeDirectory: String, seed: UInt64) throws -> GeneratorModel {
        var configuration = configuration
        configuration.vae = try VAEEncoder.Config(diffusersConfigAt: vaeDirectory + "/config.json")
        let random = RandomInitializer(seed: seed)
        let loader = try WeightLoader(path: vaeDirectory + "/" + weightFiles["vae"]!)
        let model = try GeneratorModel(configuration, provenance: "random initialisation, seed \(seed), VAE from \(vaeDirectory)") {
            $0 == "vae" ? loader as ParameterSource : random
        }
        try loader.finish()
        return model
    }

    /// The trained default's folder name under Weights/.
    public static let defaultName = "orbit-small"

    /// Where the trained default lives: $ORBIT_GENERATOR when set (whether or not it exists: loading
    /// then names it), else Weights/orbit-small in the current folder or in the checkout the running
    /// binary was built in (.build/<triple>/<config>/orbit); nil when none has a model_index.json.
    public static func defaultDirectory() -> String? {
        if let chosen = ProcessInfo.processInfo.environment["ORBIT_GENERATOR"] { return chosen }
        return CommittedWeights.locate(defaultName, containing: "model_index.json")
    }

    static let weightFiles = ["unet": "diffusion_pytorch_model.safetensors", "vae": "diffusion_pytorch_model.safetensors",
                              "image_encoder": "model.safetensors", "identity_proj": "model.safetensors"]

    /// Loads a generator directory strictly (every key of every weight file used, shapes checked).
    public static func load(from directory: String) throws -> GeneratorModel {
        func path(_ parts: String...) -> String { ([directory] + parts).joined(separator: "/") }
        let index = try ModelConfigFile(path: path("model_index.json"))
        var configuration = Configuration.small
        configuration.unet = try UNetSpatioTemporalConfig(diffusersConfigAt: path("unet", "config.json"))
        configuration.vae = try VAEEncoder.Config(diffusersConfigAt: path("vae", "config.json"))
        configuration.imageEncoder = try CLIPVision.Config(transformersConfigAt: path("image_encoder", "config.json"))
        let hasIdentity = FileManager.default.fileExists(atPath: path("identity_proj", "config.json"))
        if hasIdentity {
            let identityConfig = try ModelConfigFile(path: path("identity_proj", "config.json"))
            configuration.identityDim = try identityConfig.requiredInt("identity_dim")
            try identityConfig.requirePositive(["identity_dim": [configuration.identityDim!]])
            configuration.identityEncoder = try IdentityEncoder.named(try identityConfig.string("identity_encoder"),
                                                                      in: path("identity_proj", "config.json"))
        } else {
            configuration.identityDim = nil
        }
        configuration.resolution = try index.requiredInt("resolution")
        configuration.sigmaMax = try index.double("sigma_max").map(Float.init) ?? 700
        try index.requirePositive(["resolution": [configuration.resolution]])
        guard configuration.sigmaMax.isFinite, configuration.sigmaMax > 0 else { throw index.fail("sigma_max must be a positive number") }
        let factor = configuration.resolutionFactor
        guard configuration.resolution % factor == 0 else {
            throw index.fail("resolution \(configuration.resolution) is not a multiple of \(factor) (the VAE's and the UNet's downsampling)")
        }
        if let problem = configuration.problem { throw WeightError("\(directory): its components do not fit together: \(problem)") }
        var loaders: [WeightLoader] = []
        let model = try GeneratorModel(configuration, provenance: try index.string("weights") ?? "unknown") { component in
            let file = path(component, weightFiles[component]!)
            if component == "identity_proj" && !hasIdentity { return RandomInitializer(seed: 0) }  // asks for nothing
            guard FileManager.default.fileExists(atPath: file) else { throw WeightError("\(file): no such file") }
            let loader = try WeightLoader(path: file)
            loaders.append(loader)
            return loader
        }
        for loader in loaders { try loader.finish() }
        return model
    }

    /// Writes the directory atomically (`AtomicFolder`: built beside `directory` under a temporary name,
    /// then renamed; an existing directory is replaced only when `replace` is set). `dtype` F16 halves the files
    /// (the committed default); loading converts back to Float32.
    public func save(to directory: String, replace: Bool = false, dtype: SafeTensorsDType = .f32) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: directory) && !replace {
            throw WeightError("\(directory): already exists (pass --force to replace it)")
        }
        try AtomicFolder.write(directory, replace: replace) { staging in
            func component(_ name: String, config: [String: Any], module: Module) throws {
                try fm.createDirectory(atPath: staging + "/" + name, withIntermediateDirectories: true)
                try ModelConfigFile.write(config, to: "\(staging)/\(name)/config.json")
                try module.save(to: "\(staging)/\(name)/\(Self.weightFiles[name]!)", metadata: ["format": "pt"], dtype: dtype)
            }
            try component("unet", config: configuration.unet.diffusersConfig, module: unet)
            try component("vae", config: configuration.vae.diffusersConfig, module: vae)
            try component("image_encoder", config: configuration.imageEncoder.transformersConfig, module: imageEncoder)
            var index: [String: Any] = [
                "_class_name": "OrbitGeneratorPipeline", "unet": ["diffusers", "UNetSpatioTemporalConditionModel"],
                "vae": ["diffusers", "AutoencoderKLTemporalDecoder"], "image_encoder": ["transformers", "CLIPVisionModelWithProjection"],
                "resolution": configuration.resolution, "weights": provenance, "sigma_max": configuration.sigmaMax,
                "camera_ids": ["cond_aug", "polar_rad", "azimuth_rad"],
            ]
            if let identityDim = configuration.identityDim {
                try component("identity_proj", config: ["_class_name": "OrbitIdentityProjection", "identity_dim": identityDim,
                                                        "context_dim": configuration.unet.contextDim,
                                                        "identity_encoder": configuration.identityEncoder.rawValue],
                              module: context)
                index["identity_proj"] = ["orbit", "OrbitIdentityProjection"]
            }
            try ModelConfigFile.write(index, to: staging + "/model_index.json")
        }
    }

    public var parameterCount: Int {
        unet.parameterCount + vae.parameterCount + imageEncoder.parameterCount + context.parameterCount
    }
}
