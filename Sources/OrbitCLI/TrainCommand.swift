import ArgumentParser
import CommandSupport
import Foundation
import Pipeline
import Training

/// `orbit train <part>`: the training jobs behind the default generator. Each one checkpoints
/// atomically every few minutes and on Ctrl-C, resumes bit-exactly with --resume, and stops at its
/// step count or after --minutes.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train the default models on an `orbit synth` dataset.",
        subcommands: [TrainVAECommand.self, TrainCacheCommand.self, TrainGeneratorCommand.self, TrainIdentityCommand.self,
                      TrainNPHMCommand.self, TrainNPHMPriorCommand.self, TrainFaceShapeCommand.self])
}

/// Options every training job takes.
struct TrainingOptions: ParsableArguments {
    @Option(help: "The `orbit synth` dataset folder.")
    var data: String

    @Option(help: "The run's folder: checkpoint, curves, validation sheets, exported weights (keep it outside git).")
    var out: String

    @Flag(help: "Continue the checkpoint in --out.")
    var resume = false

    @Option(help: "Stop after this many minutes (checkpointed; --resume continues).")
    var minutes: Double?

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Steps between checkpoints, a multiple of 10 (default: a checkpoint every five minutes).")
    var checkpointEvery: Int?

    func validate() throws {
        if let minutes, minutes <= 0 { throw ValidationError("--minutes must be positive") }
        if let checkpointEvery, checkpointEvery < 10 || checkpointEvery % 10 != 0 {
            throw ValidationError("--checkpoint-every must be a positive multiple of 10 (checkpoints fall on the loss records)")
        }
    }
}

/// Runs a training job with a progress line, log lines flushed as they come (a job's output is often
/// a file), Ctrl-C turned into a checkpoint, and its errors as command failures. The run's folder is
/// checked before any work.
func runTrainingJob(label: String, options: TrainingOptions, steps: Int,
                    _ run: (_ progress: (Int, Int, String) -> Void, _ log: @escaping (String) -> Void) throws -> TrainingRun.Ending) throws {
    try OutputPaths.checkFolder(options.out)
    TrainingRun.installInterruptHandler()
    let line = ProgressLine(total: steps, label: label, alreadyDone: nil)
    let ending = try run({ done, _, detail in line.update(done, detail: detail) }, { message in
        line.finish()
        print(message)
        fflush(stdout)
    })
    line.finish()
    print("\(label): \(ending.rawValue)")
}

struct TrainVAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae", abstract: "Train the VAE (AutoencoderKL encoder + temporal decoder): L1 + LPIPS + KL on view clips.")

    @OptionGroup var options: TrainingOptions

    @Option(help: "Optimiser steps in all.")
    var steps = 20_000

    @Option(help: "Clips per step.")
    var batch = 4

    @Option(help: "Crop side in pixels (a multiple of 8; the views' size trains on whole views).")
    var crop = 64

    @Option(help: "Clip length: neighbouring views per clip.")
    var clipFrames = 3

    @Option(help: "Learning rate (AdamW).")
    var learningRate: Float = 4e-4

    @Option(help: "Start from this VAE folder's weights (a new phase) instead of random initialisation.")
    var initFrom: String?

    func run() throws {
        var job = VAETrainingJob(data: options.data, out: options.out)
        (job.steps, job.minutes, job.resume) = (steps, options.minutes, options.resume)
        (job.config.seed, job.config.batch, job.config.crop) = (options.seed, batch, crop)
        (job.config.clipFrames, job.config.learningRate, job.config.initialWeights) = (clipFrames, learningRate, initFrom)
        job.checkpointEvery = options.checkpointEvery
        try runTrainingJob(label: "vae", options: options, steps: steps, job.run)
    }
}

struct TrainCacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Build the generator's training cache: VAE latents and SFace identity embeddings of every view, one shard per image set.")

    @Option(help: "The `orbit synth` dataset folder.")
    var data: String

    @Option(help: "The trained VAE folder (`orbit train vae` writes OUT/vae).")
    var vae: String

    @Option(help: "The cache folder (keep it outside git).")
    var out: String

    @Option(help: "What embeds the faces for the identity token: sface-expression (the committed expression-aware head, seed Eq. 5) or sface.")
    var identityEncoder = IdentityEncoder.expressionAware

    @Flag(help: "Re-embed the faces of an existing cache with --identity-encoder (no VAE work; landmarks are reused).")
    var reembedIdentity = false

    func run() throws {
        try OutputPaths.checkFolder(out)
        let dataset = try SynthImageSets(root: data)
        // Validation and test first: training can start on a cache whose training part is still growing.
        let sets = try ["val", "test", "train"].flatMap { try dataset.imageSets(split: $0) }
        let line = ProgressLine(total: sets.count, label: "cache")
        if reembedIdentity {
            try LatentCache(directory: out).reembedIdentities(sets: sets, with: identityEncoder) { done, _ in line.update(done) }
        } else {
            _ = try LatentCache.build(sets: sets, dataset: data, vaeDirectory: vae, identityEncoder: identityEncoder, into: out) { done, _ in
                line.update(done)
            }
        }
        line.finish()
        print("cache: \(out) (\(sets.count) image sets, faces embedded with \(identityEncoder.rawValue))")
    }
}

struct TrainGeneratorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generator",
        abstract: "Train the orbit generator (UNet, image encoder, identity projection) on the cache; exports the EMA model.")

    @OptionGroup var options: TrainingOptions

    @Option(help: "The training cache (`orbit train cache`).")
    var cache: String

    @Option(help: "The trained VAE folder the cache was made with.")
    var vae: String

    @Option(help: "Optimiser steps in all.")
    var steps = 200_000

    @Option(help: "Steps between validation sheets.")
    var validateEvery = 500

    @Option(help: "Seed Eq. 4: weight of LPIPS-VGG on decoded clean estimates (0: off).")
    var perceptualWeight: Float = 0

    @Option(help: "Seed Eq. 4: weight of the identity loss (1 - SFace cosine) on decoded clean estimates (0: off).")
    var identityWeight: Float = 0

    @Option(help: "Start annealing the learning rate at this step (a closing phase; with --anneal-steps and --anneal-factor).")
    var annealFrom: Int?

    @Option(help: "Steps over which the learning rate falls linearly to --anneal-factor times itself.")
    var annealSteps = 3000

    @Option(help: "The learning rate's factor at --anneal-from (below 1: a warm restart at that level).")
    var annealStartFactor: Float = 1

    @Option(help: "The learning rate's final factor after annealing.")
    var annealFactor: Float = 0.1

    func run() throws {
        var job = GeneratorTrainingJob(data: options.data, cache: cache, vae: vae, out: options.out)
        (job.config.annealFrom, job.config.annealSteps) = (annealFrom, annealSteps)
        (job.config.annealStartFactor, job.config.annealFactor) = (annealStartFactor, annealFactor)
        (job.steps, job.minutes, job.resume, job.validateEvery) = (steps, options.minutes, options.resume, validateEvery)
        job.config.seed = options.seed
        (job.config.perceptualWeight, job.config.identityWeight) = (perceptualWeight, identityWeight)
        job.checkpointEvery = options.checkpointEvery
        try runTrainingJob(label: "generator", options: options, steps: steps, job.run)
    }
}

struct TrainIdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Seed Eq. 5: fine-tune SFace's embedding head with the ArcFace margin loss, a class per (subject, expression).")

    @OptionGroup var options: TrainingOptions

    @Option(help: "Optimiser steps in all.")
    var steps = 3000

    @Option(help: "Faces per step.")
    var batch = 128

    @Option(help: "Learning rate of the embedding head (AdamW).")
    var learningRate: Float = 5e-5

    @Option(help: "ArcFace scale s.")
    var scale: Float = 32

    @Option(help: "ArcFace additive angular margin m (radians).")
    var margin: Float = 0.5

    @Option(help: "A real portrait for the evaluation's blurred-and-rotated-copy check.")
    var realPhoto = "Data/portraits/astronaut.png"

    func run() throws {
        var job = IdentityTrainingJob(data: options.data, out: options.out)
        (job.steps, job.minutes, job.resume) = (steps, options.minutes, options.resume)
        (job.config.seed, job.config.batch, job.config.learningRate) = (options.seed, batch, learningRate)
        (job.config.scale, job.config.margin) = (scale, margin)
        job.realPhoto = FileManager.default.fileExists(atPath: realPhoto) ? realPhoto : nil
        job.checkpointEvery = options.checkpointEvery
        try runTrainingJob(label: "identity", options: options, steps: steps, job.run)
    }
}

struct TrainNPHMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nphm",
        abstract: "Train the NPHM-style head model (SDF, colour, expression deformation) as an auto-decoder on the synthetic heads.")

    @OptionGroup var options: TrainingOptions

    @Option(help: "Optimiser steps in all.")
    var steps = 20_000

    @Option(help: "Samples (subject, appearance) per step.")
    var samples = 4

    @Option(help: "Near-surface points per sample and step.")
    var nearPoints = 1024

    @Option(help: "Steps between validation meshes.")
    var validateEvery = 1000

    @Option(help: "Adam learning rate of the subjects' geometry and appearance codes (the networks': 5e-4, expressions': 1e-2).")
    var codeLearningRate: Float = 2e-3

    func run() throws {
        var job = NPHMTrainingJob(data: options.data, out: options.out)
        (job.steps, job.minutes, job.resume, job.validateEvery) = (steps, options.minutes, options.resume, validateEvery)
        (job.config.seed, job.config.samplesPerStep, job.config.nearPoints) = (options.seed, samples, nearPoints)
        job.config.codeLearningRate = codeLearningRate
        job.checkpointEvery = options.checkpointEvery
        try runTrainingJob(label: "nphm", options: options, steps: steps, job.run)
    }
}

struct TrainNPHMPriorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nphm-prior",
        abstract: "Train the head model's latent prior (1D diffusion UNet) on an `orbit train nphm` model's codes, conditioned on portraits.")

    @OptionGroup var options: TrainingOptions

    @Option(help: "The head model folder `orbit train nphm` wrote (its model/: config.json, model.safetensors, codes.safetensors).")
    var nphm: String

    @Option(help: "Optimiser steps in all.")
    var steps = 10_000

    @Option(help: "Latents per step.")
    var batch = 32

    func run() throws {
        var job = HeadPriorTrainingJob(data: options.data, nphm: nphm, out: options.out)
        (job.steps, job.minutes, job.resume) = (steps, options.minutes, options.resume)
        (job.config.seed, job.config.batch) = (options.seed, batch)
        job.checkpointEvery = options.checkpointEvery
        try runTrainingJob(label: "nphm-prior", options: options, steps: steps, job.run)
    }
}

struct TrainFaceShapeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "face-shape",
        abstract: "Fit the face-shape regressor (SFace identity embedding -> FaceKit identity weights, ridge, closed form) on a head model's training samples and add it to a head model folder.")

    @Option(help: "The `orbit synth` dataset folder the head model was trained on.")
    var data: String

    @Option(help: "The head model folder `orbit train nphm` wrote (its model/: config.json, codes.safetensors).")
    var nphm: String

    @Option(help: "The prior's conditions cache (`orbit train nphm-prior` writes OUT/conditions.safetensors); built there when missing.")
    var conditions: String

    @Option(help: "The head model folder to add face_shape.safetensors to (e.g. Weights/orbit-head).")
    var into: String

    func run() throws {
        let result = try FaceShapeRegression().fit(nphm: nphm, data: data, conditions: conditions, encoder: try HeadConditionEncoder.committed()) {
            print($0)
        }
        print(String(format: "held-out R^2 of the identity weights: %.3f pooled; the first ten: ", result.identity.pooledR2)
              + result.identity.heldOutR2.prefix(10).map { String(format: "%.2f", $0) }.joined(separator: " "))
        print("ridge lambda per identity weight (first ten): " + result.identity.lambdas.prefix(10).map { String(format: "%g", $0) }.joined(separator: " "))
        if let expression = result.expression {
            print(String(format: "held-out R^2 of the expression weights: %.3f pooled", expression.pooledR2))
        }
        let path = into + "/" + FaceShapeRegressor.fileName
        try result.regressor.save(to: path, provenance: "orbit train face-shape --data \(data) --nphm \(nphm)")
        print("wrote \(path)")
    }
}
