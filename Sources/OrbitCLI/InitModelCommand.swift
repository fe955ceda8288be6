import ArgumentParser
import Foundation
import Pipeline

/// `orbit init-model --config small --out DIR`: a randomly initialised generator in diffusers layout, so
/// the whole pipeline runs before a trained model exists.
struct InitModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-model",
        abstract: "Write a randomly initialised generator (UNet, VAE, CLIP vision, identity projection) in diffusers layout.")

    @Option(help: "Sizes: small (the trained default's, 128 px views), small256 (the same at 256 px), svd (Stable Video Diffusion's, 576 px, ~6 GB), tiny (tests).")
    var config = GeneratorConfigName(argument: "small")!

    @Option(help: "Output directory.")
    var out: String

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Flag(help: "Replace an existing directory.")
    var force = false

    func run() throws {
        let model = try GeneratorModel.randomlyInitialised(config.configuration, seed: seed)
        try model.save(to: out, replace: force)
        print("wrote \(out): \(config.name) generator, \(String(format: "%.1f", Double(model.parameterCount) / 1e6)) M parameters "
              + "(UNet \(String(format: "%.1f", Double(model.unet.parameterCount) / 1e6)) M), random weights (seed \(seed)), "
              + "\(model.configuration.resolution)x\(model.configuration.resolution) views")
    }
}
