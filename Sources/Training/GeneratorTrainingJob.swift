import Foundation
import Geometry
import Imaging
import Models
import NN
import Pipeline
import Tensor

/// `orbit train generator`: the whole job around `GeneratorTrainer`. Under `out`:
///
///     checkpoint.safetensors   the full training state (resume with --resume)
///     curves.png               loss history (total red, gradient norm blue)
///     validation/NNNNNN.png    per validation set: ground truth (input, then the ring at 0 degrees
///                              every 45 degrees) above the EMA model's views from that input
///     model/                   the EMA weights as a generator directory (`orbit generate --model`)
public struct GeneratorTrainingJob {
    public var data: String, cache: String, vae: String, out: String
    public var config = GeneratorTrainingConfig()
    public var steps = 200_000
    public var minutes: Double?
    /// Steps between checkpoints (nil: every five minutes); see `TrainingRun.Schedule.checkpointEvery`.
    public var checkpointEvery: Int?
    public var resume = false
    public var validateEvery = 500

    public init(data: String, cache: String, vae: String, out: String) { (self.data, self.cache, self.vae, self.out) = (data, cache, vae, out) }

    /// Validation views: the front view at 0 degrees elevation conditions; the whole ring at 0 degrees
    /// is generated and decoded as one clip (the decoder's temporal layers expect neighbouring views),
    /// every other view shown.
    static let validationInput = 16
    static let validationRing = Array(16..<32)
    static let shown = Array(stride(from: 0, to: 16, by: 2))

    public func run(progress: (Int, Int, String) -> Void, log: @escaping (String) -> Void) throws -> TrainingRun.Ending {
        let dataset = try SynthImageSets(root: data)
        let latentCache = try LatentCache(directory: cache)
        let trainer = try GeneratorTrainer(config: config, vaeDirectory: vae, cache: latentCache, train: try dataset.imageSets(split: "train"))
        let validation = Array(try dataset.imageSets(split: "val").filter { FileManager.default.fileExists(atPath: latentCache.shardPath($0)) }
            .prefix(3))
        log("generator: UNet \(trainer.model.unet.parameterCount), image encoder \(trainer.model.imageEncoder.parameterCount), "
            + "identity \(trainer.model.context.parameterCount) parameters; \(trainer.trainingSets) training image sets, "
            + "\(validation.count) validation sets")
        let checkpointPath = out + "/checkpoint.safetensors"
        try FileManager.default.createDirectory(atPath: out + "/validation", withIntermediateDirectories: true)
        let (start, history) = try TrainerCheckpoint.start(from: checkpointPath, resume: resume, fingerprint: config.fingerprint,
                                                           parameters: trainer.trainedParameters, optimizer: trainer.optimizer, ema: trainer.ema)
        if start > 0 { log("generator: resumed at step \(start)") }
        var schedule = TrainingRun.Schedule(totalSteps: steps, minutes: minutes)
        schedule.checkpointEvery = checkpointEvery
        schedule.validateEvery = validateEvery
        let run = TrainingRun(schedule: schedule, startStep: start, history: history)
        func validate(_ step: Int) throws {
            guard !validation.isEmpty else { return }
            let result = try Self.validate(trainer, sets: validation, cache: latentCache)
            try ImageIO.write(result.sheet, to: String(format: "%@/validation/%06d.png", out, step))
            log(String(format: "generator: step %d validation PSNR %.2f dB (EMA, 20 Euler steps)", step, result.psnr))
        }
        let ending = try run.run(trainStep: trainer.trainStep, checkpoint: { step, history in
            try TrainerCheckpoint.save(to: checkpointPath, step: step, fingerprint: config.fingerprint,
                                       parameters: trainer.trainedParameters, optimizer: trainer.optimizer, ema: trainer.ema, history: history)
            try ImageIO.write(LossCurves.plot(history, terms: ["grad_norm"]), to: out + "/curves.png")
            try trainer.exportAveraged(to: out + "/model", provenance: "orbit train generator, step \(step) (EMA \(config.emaDecay))")
        }, validate: validate, progress: { step, detail in progress(step, steps, detail) })
        log("generator: step \(run.step) (\(ending.rawValue)); wrote \(out)/model")
        return ending
    }

    /// Generates the validation ring of each set with the EMA weights: mean PSNR of the shown views
    /// against the ground truth and a sheet (per set: ground truth row, generated row; the input first in both).
    static func validate(_ trainer: GeneratorTrainer, sets: [ImageSetReference], cache: LatentCache) throws -> (psnr: Float, sheet: Image) {
        let model = trainer.model
        var settings = GenerationSettings()
        settings.steps = 20
        let views = validationRing.map { OrbitView.standard[$0] }
        var rows: [Tensor] = [], psnr: Float = 0
        for set in sets {
            let shard = try cache.load(set)
            let input = try set.viewImage(validationInput)
            let generated: [Image] = try trainer.withAveragedWeights {
                let conditions = GeneratorConditions(
                    imageEmbedding: noGrad { model.imageEncoder(model.imageEncoderInput(input).unsqueezed(0)) },
                    identity: shard.hasFace[validationInput] ? shard.identity.slice(axis: 0, validationInput..<(validationInput + 1)) : nil,
                    latent: shard.latents.slice(axis: 0, validationInput..<(validationInput + 1)).contiguous())
                let latents = model.sampleOrbit(conditions, views: views, settings: settings)
                return model.decodeViews(latents, chunk: views.count)
            }
            let truth = try shown.map { try set.view(validationRing[$0]).unsqueezed(0) }
            let made = shown.map { (generated[$0].tensor() * 2 - 1).unsqueezed(0) }
            let inputRow = (input.tensor() * 2 - 1).unsqueezed(0)
            let truthBatch = Tensor.concat(truth, axis: 0), madeBatch = Tensor.concat(made, axis: 0)
            psnr += ImageGrid.meanPSNR(truthBatch, madeBatch) / Float(sets.count)
            rows.append(Tensor.concat([inputRow, truthBatch], axis: 0))
            rows.append(Tensor.concat([inputRow, madeBatch], axis: 0))
        }
        return (psnr, ImageGrid.sheet(rows: rows))
    }
}
