import Foundation
import Imaging
import Models
import NN
import Pipeline
import Tensor

/// The head model's training codes paired with what the prior is conditioned on: for every trained
/// sample (subject, appearance), its latent [geometry, appearance, expression] and the conditions of
/// a few near-frontal views (each framed as `orbit mesh` frames a portrait).
public struct HeadPriorData {
    /// Views used as portraits: azimuths -22.5, 0, 22.5 at elevations 0 and 10.
    public static let portraitViews = [31, 16, 17, 47, 32, 33]

    /// [samples, L], [samples, views, C], and each sample's (subject, appearance).
    public let latents: Tensor, conditions: Tensor
    public let samples: [(subject: Int, appearance: Int)]

    public init(latents: Tensor, conditions: Tensor, samples: [(subject: Int, appearance: Int)]) {
        precondition(latents.shape[0] == conditions.shape[0] && samples.count == latents.shape[0], "one latent and condition set per sample")
        (self.latents, self.conditions, self.samples) = (latents, conditions, samples)
    }

    /// Latents from an `orbit train nphm` model folder's codes.safetensors.
    public static func latents(nphm directory: String) throws -> (latents: Tensor, samples: [(subject: Int, appearance: Int)]) {
        let config = try CodableConfigFile.read(NPHMConfiguration.self, from: directory + "/config.json", what: "an NPHM configuration")
        let codes = try SafeTensorsFile(path: directory + "/codes.safetensors")
        let subjects = try codes.tensor("subjects").toArray().map { Int($0) }
        let pairs = try codes.tensor("samples").toArray()
        let samples = (0..<(pairs.count / 2)).map { (subject: Int(pairs[2 * $0]), appearance: Int(pairs[2 * $0 + 1])) }
        let rowOf = Dictionary(uniqueKeysWithValues: subjects.enumerated().map { ($1, Int32($0)) })
        let rows = try samples.map { s -> Int32 in
            guard let row = rowOf[s.subject] else { throw TrainingError("\(directory)/codes.safetensors: sample of unknown subject \(s.subject)") }
            return row
        }
        let latents = HeadLatentLayout(config).join(geometry: try codes.tensor("geometry").gatherRows(rows), appearance: try codes.tensor("appearance").gatherRows(rows),
                                  expression: try codes.tensor("expression"))
        return (latents, samples)
    }

    /// Reads the latents and builds (or reads back) the conditions cache `cache` (safetensors).
    public static func load(nphm: String, data: String, cache: String, encoder: HeadConditionEncoder,
                            log: (String) -> Void) throws -> HeadPriorData {
        let (latents, samples) = try latents(nphm: nphm)
        let views = portraitViews.count
        if let file = try? SafeTensorsFile(path: cache), let stored = try? file.tensor("conditions"),
           stored.shape == [samples.count, views, encoder.width] {
            return HeadPriorData(latents: latents, conditions: stored, samples: samples)
        }
        let faces = try FaceAnalysis.pretrained()
        let resolution = try SynthImageSets(root: data).resolution
        var rows: [Float] = []
        for (i, s) in samples.enumerated() {
            let set = ImageSetReference(root: data, subject: s.subject, appearance: s.appearance)
            for v in portraitViews {
                let portrait = PreparedPortrait(try set.viewImage(v), resolution: resolution, faces: faces)
                rows += encoder.condition(portrait).toArray()
            }
            if (i + 1) % 50 == 0 || i + 1 == samples.count { log("nphm-prior: conditions \(i + 1)/\(samples.count) samples") }
        }
        let conditions = Tensor(rows, shape: [samples.count, views, encoder.width])
        try SafeTensors.write([("conditions", conditions)], metadata: ["views": portraitViews.map(String.init).joined(separator: ",")], to: cache)
        return HeadPriorData(latents: latents, conditions: conditions, samples: samples)
    }
}

public struct HeadPriorTrainingConfig: Sendable {
    public var unet = UNet1DConfiguration()
    public var batch = 32
    public var learningRate: Float = 2e-4
    public var warmup = 200
    /// Probability of training a sample unconditionally (zero condition), for guidance.
    public var unconditionalProbability: Float = 0.1
    public var emaDecay: Float = 0.999
    public var seed: UInt64 = 0

    public init() {}

    public var fingerprint: String {
        "nphm-prior length \(unet.length) channels \(unet.channels) groups \(unet.groups) embedding \(unet.embedding) "
            + "condition \(unet.condition) batch \(batch) lr \(learningRate) warmup \(warmup) uncond \(unconditionalProbability) "
            + "ema \(emaDecay) seed \(seed)"
    }
}

/// Trains the 1D UNet to denoise normalised latents (v-prediction, DDIM's discrete schedule).
public final class HeadPriorTrainer {
    public let config: HeadPriorTrainingConfig
    public let prior: HeadPrior
    public let optimizer: Adam
    public let ema: ExponentialMovingAverage
    let data: HeadPriorData
    let normalisedLatents: Tensor

    public init(config: HeadPriorTrainingConfig, data: HeadPriorData) throws {
        var c = config
        (c.unet.length, c.unet.condition) = (data.latents.shape[1], data.conditions.shape[2])
        self.config = c
        self.data = data
        let latents = data.latents.toArray(), (n, length) = (data.latents.shape[0], data.latents.shape[1])
        var lo = [Float](repeating: .infinity, count: length), hi = [Float](repeating: -.infinity, count: length)
        var mean = [Float](repeating: 0, count: length)
        for i in 0..<n { for d in 0..<length {
            let v = latents[i * length + d]
            (lo[d], hi[d]) = (min(lo[d], v), max(hi[d], v))
            mean[d] += v / Float(n)
        } }
        let unet = try UNet1D(WeightScope(RandomInitializer(seed: c.seed &+ 0x1D)), config: c.unet)
        let prior = HeadPrior(unet: unet, latentMin: Tensor(lo, shape: [length]), latentMax: Tensor(hi, shape: [length]),
                              latentMean: Tensor(mean, shape: [length]))
        self.prior = prior
        normalisedLatents = noGrad { prior.normalised(data.latents) }
        for (_, p) in unet.namedParameters { p.requiringGrad() }
        optimizer = Adam(groups: [ParameterGroup(name: "unet", parameters: unet.parameters, learningRate: c.learningRate,
                                                 schedule: WarmupAnnealSchedule(warmup: c.warmup))])
        ema = ExponentialMovingAverage(unet.namedParameters, decay: c.emaDecay)
    }

    public var trainedParameters: [(String, Tensor)] { prior.unet.namedParameters }

    public func trainStep(_ step: Int) throws -> [String: Float] {
        let c = config, (n, views) = (data.conditions.shape[0], data.conditions.shape[1])
        var random = SeededGenerator(seed: c.seed &+ 0x9E10 &* UInt64(step + 1))
        let picks = (0..<c.batch).map { _ in Int(random.next() % UInt64(n)) }
        let viewRows = picks.map { Int32($0 * views + Int(random.next() % UInt64(views))) }
        let keep = (0..<c.batch).map { _ in Float(random.next() % 10_000) / 10_000 < c.unconditionalProbability ? Float(0) : 1 }
        let conditions = data.conditions.reshaped([n * views, -1]).gatherRows(viewRows) * Tensor(keep, shape: [c.batch, 1])
        let timesteps = (0..<c.batch).map { _ in Int(random.next() % UInt64(prior.scheduler.trainSteps)) }
        let alphas = timesteps.map { prior.scheduler.alphasCumprod[$0] }
        let a = Tensor(alphas.map { $0.squareRoot() }, shape: [c.batch, 1]), s = Tensor(alphas.map { (1 - $0).squareRoot() }, shape: [c.batch, 1])
        let x0 = normalisedLatents.gatherRows(picks.map { Int32($0) })
        let noise = Tensor.normal(x0.shape, seed: c.seed &+ 0x5EED &* UInt64(step + 1))
        let noisy = x0 * a + noise * s, target = noise * a - x0 * s
        optimizer.zeroGrad()
        let v = prior.unet(noisy, timesteps: Tensor(timesteps.map(Float.init), shape: [c.batch]), condition: conditions)
        let loss = (v - target).pow(2).mean()
        loss.backward()
        let norm = clipGradNorm(prior.unet.parameters, maxNorm: 1)
        optimizer.update()
        ema.update(prior.unet.namedParameters, step: step + 1)
        return ["loss": loss.item(), "grad_norm": norm]
    }

    /// Writes the prior with the EMA weights, the folder as a whole.
    public func export(to directory: String, provenance: String) throws {
        try ema.withAveragedWeights(prior.unet.namedParameters) {
            try AtomicFolder.write(directory) { try prior.save(to: $0, provenance: provenance) }
        }
    }
}

/// `orbit train nphm-prior`: the latent prior on a trained head model's codes. Under `out`:
/// conditions.safetensors (the portraits' conditions), checkpoint.safetensors, curves.png and
/// prior/ (EMA weights), written at every checkpoint.
public struct HeadPriorTrainingJob {
    public var data: String, nphm: String, out: String
    public var config = HeadPriorTrainingConfig()
    public var steps = 10_000
    public var minutes: Double?
    /// Steps between checkpoints (nil: every five minutes); see `TrainingRun.Schedule.checkpointEvery`.
    public var checkpointEvery: Int?
    public var resume = false

    public init(data: String, nphm: String, out: String) { (self.data, self.nphm, self.out) = (data, nphm, out) }

    public func run(progress: (Int, Int, String) -> Void, log: @escaping (String) -> Void) throws -> TrainingRun.Ending {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let encoder = try HeadConditionEncoder.committed()
        let data = try HeadPriorData.load(nphm: nphm, data: self.data, cache: out + "/conditions.safetensors", encoder: encoder, log: log)
        let trainer = try HeadPriorTrainer(config: config, data: data)
        log("nphm-prior: \(data.samples.count) samples x \(HeadPriorData.portraitViews.count) portraits, latent \(trainer.config.unet.length), "
            + "condition \(trainer.config.unet.condition); \(trainer.prior.unet.parameterCount) parameters")
        let checkpointPath = out + "/checkpoint.safetensors", fingerprint = trainer.config.fingerprint
        let (start, history) = try TrainerCheckpoint.start(from: checkpointPath, resume: resume, fingerprint: fingerprint,
                                                           parameters: trainer.trainedParameters, optimizer: trainer.optimizer, ema: trainer.ema)
        if start > 0 { log("nphm-prior: resumed at step \(start)") }
        var schedule = TrainingRun.Schedule(totalSteps: steps, minutes: minutes)
        schedule.checkpointEvery = checkpointEvery
        let run = TrainingRun(schedule: schedule, startStep: start, history: history)
        let ending = try run.run(trainStep: trainer.trainStep, checkpoint: { step, history in
            try TrainerCheckpoint.save(to: checkpointPath, step: step, fingerprint: fingerprint, parameters: trainer.trainedParameters,
                                       optimizer: trainer.optimizer, ema: trainer.ema, history: history)
            try ImageIO.write(LossCurves.plot(history, terms: []), to: out + "/curves.png")
            try trainer.export(to: out + "/prior", provenance: "orbit train nphm-prior, step \(step)")
        }, validate: { _ in }, progress: { step, detail in progress(step, steps, detail) })
        log("nphm-prior: step \(run.step) (\(ending.rawValue)); wrote \(out)/prior")
        return ending
    }
}
