import ArgumentParser
import Foundation
import Pipeline

/// `orbit init-model --config small --out DIR`: a randomly initialised generator in diffusers layout, so
/// the whole pipeline runs before a trained model exists.
struct InitModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-model",
        abstract: "Write a randomly initialised generator (UNet, VAE, CLIP vision, identity projection) in diffusers layout.")

    @Option(help: "Sizes: small (CPU default, 256 px views), svd (Stable Video Diffusion's, 576 px, ~6 GB), tiny (tests).")
    var config = "small"

    @Option(help: "Output directory.")
    var out: String

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Flag(help: "Replace an existing directory.")
    var force = false

    func validate() throws {
        guard GeneratorModel.Configuration.named[config] != nil else {
            throw ValidationError("--config must be one of \(GeneratorModel.Configuration.named.keys.sorted().joined(separator: ", "))")
        }
    }

    func run() throws {
        let model = try GeneratorModel.randomlyInitialised(GeneratorModel.Configuration.named[config]!, seed: seed)
        try model.save(to: out, replace: force)
        print("wrote \(out): \(config) generator, \(String(format: "%.1f", Double(model.parameterCount) / 1e6)) M parameters "
              + "(UNet \(String(format: "%.1f", Double(model.unet.parameterCount) / 1e6)) M), random weights (seed \(seed)), "
              + "\(model.configuration.resolution)x\(model.configuration.resolution) views")
    }
}
