import Foundation
import Imaging
import Models
import NN
import Tensor

/// `orbit train vae`: the whole job around `VAETrainer`. Under `out`:
///
///     checkpoint.safetensors   the full training state (resume with --resume)
///     curves.png               loss history (total red, L1 blue, LPIPS green)
///     validation/NNNNNN.png    held-out views (top) and their reconstructions (bottom)
///     vae/                     the trained VAE in diffusers layout (config.json with the measured
///                              scaling_factor, diffusion_pytorch_model.safetensors), written at the end
public struct VAETrainingJob {
    public var data: String, out: String
    public var config = VAETrainingConfig()
    public var steps = 20_000
    public var minutes: Double?
    /// Steps between checkpoints (nil: every five minutes); see `TrainingRun.Schedule.checkpointEvery`.
    public var checkpointEvery: Int?
    public var resume = false

    public init(data: String, out: String) { (self.data, self.out) = (data, out) }

    /// Validation: a clip of three neighbouring views (elevation 0, azimuths 0, 22.5, 45 degrees).
    static let validationViews = [16, 17, 18]

    public func run(progress: (Int, Int, String) -> Void, log: @escaping (String) -> Void) throws -> TrainingRun.Ending {
        let dataset = try SynthImageSets(root: data)
        let train = try dataset.imageSets(split: "train"), validation = Array(try dataset.imageSets(split: "val").prefix(4))
        let trainer = try VAETrainer(config: config, train: train, resolution: dataset.resolution, initialWeights: config.initialWeights)
        log("vae: \(trainer.vae.parameterCount) parameters, \(train.count) training image sets, \(validation.count) validation sets")
        let checkpointPath = out + "/checkpoint.safetensors"
        try FileManager.default.createDirectory(atPath: out + "/validation", withIntermediateDirectories: true)
        let (start, history) = try TrainerCheckpoint.start(from: checkpointPath, resume: resume, fingerprint: config.fingerprint,
                                                           parameters: trainer.vae.namedParameters, optimizer: trainer.optimizer, ema: nil)
        if start > 0 { log("vae: resumed at step \(start)") }
        var schedule = TrainingRun.Schedule(totalSteps: steps, minutes: minutes)
        schedule.checkpointEvery = checkpointEvery
        schedule.validateEvery = 250
        let run = TrainingRun(schedule: schedule, startStep: start, history: history)
        func validate(_ step: Int) throws {
            guard !validation.isEmpty else { return }
            let result = try trainer.validate(validation, views: Self.validationViews)
            try ImageIO.write(result.sheet, to: String(format: "%@/validation/%06d.png", out, step))
            log(String(format: "vae: step %d validation PSNR %.2f dB, LPIPS %.4f", step, result.psnr, result.lpips))
        }
        let ending = try run.run(trainStep: trainer.trainStep, checkpoint: { step, history in
            try TrainerCheckpoint.save(to: checkpointPath, step: step, fingerprint: config.fingerprint,
                                       parameters: trainer.vae.namedParameters, optimizer: trainer.optimizer, ema: nil, history: history)
            try ImageIO.write(LossCurves.plot(history, terms: ["l1", "lpips"]), to: out + "/curves.png")
        }, validate: validate, progress: { step, detail in progress(step, steps, detail) })
        try validate(run.step)
        var vaeConfig = config.vae
        vaeConfig.scalingFactor = try trainer.measuredScalingFactor(Array(train.prefix(16)), views: [0, 20, 40, 60, 80])
        try Self.export(trainer.vae, config: vaeConfig, to: out + "/vae")
        log(String(format: "vae: step %d (%@); scaling factor %.4f; wrote %@/vae", run.step, ending.rawValue, vaeConfig.scalingFactor, out))
        return ending
    }

    /// Writes the VAE as a diffusers component folder (config.json, diffusion_pytorch_model.safetensors),
    /// atomically.
    public static func export(_ vae: AutoencoderKLTemporalDecoder, config: VAEEncoder.Config, to directory: String) throws {
        try AtomicFolder.write(directory) { staging in
            try ModelConfigFile.write(config.diffusersConfig, to: staging + "/config.json")
            try vae.save(to: staging + "/diffusion_pytorch_model.safetensors", metadata: ["format": "pt"])
        }
    }
}

/// A run's loss history as a plot: the total (red, log10) and chosen terms (log10), each scaled on its own.
public enum LossCurves {
    static let colors: [(Float, Float, Float)] = [(0.1, 0.2, 0.85), (0.1, 0.6, 0.2), (0.6, 0.3, 0.7), (0.9, 0.6, 0.1)]

    public static func plot(_ history: [LossRecord], terms: [String]) -> Image {
        var series = [SeriesPlot.Series(points: history.map { (Float($0.step), log10(max($0.loss, 1e-8))) }, color: (0.85, 0.1, 0.1))]
        for (i, term) in terms.enumerated() {
            series.append(.init(points: history.compactMap { r in r.terms[term].map { (Float(r.step), log10(max($0, 1e-8))) } },
                                color: colors[i % colors.count]))
        }
        return SeriesPlot.draw(series)
    }
}
