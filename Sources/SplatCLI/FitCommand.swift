import ArgumentParser
import CommandSupport
import Dispatch
import Foundation
import Imaging
import Models
import Splat
import Synchronization
import Tensor

/// `splat fit views/ --out head.ply`: 3D Gaussian Splatting on a views folder.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit 3D Gaussian splats to a views folder (transforms.json: nerfstudio or NeRF-synthetic) or a COLMAP project.")

    @Argument(help: "Views folder with transforms.json, or a COLMAP project (sparse/0 and images/).")
    var views: String

    @Option(help: "Output PLY (INRIA 3DGS layout).")
    var out = "splats.ply"

    @Option(help: "Training iterations.")
    var iterations = TrainingConfig().iterations

    @Option(help: "Hold out every K-th view for evaluation (0: train on all).")
    var testEvery = 8

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @OptionGroup var background: BackgroundOption

    @Option(help: "Divide the image resolution by this factor.")
    var downscale = 1

    @Option(help: "Share of the run trained on smaller views: its first half at 1/4 size, its second at 1/2, the rest at full size (0: off).")
    var lowResolutionShare: Float = TrainingConfig().lowResolutionShare

    @Option(help: "Gaussians at the random initialisation.")
    var gaussians = 20_000

    @Option(name: .customLong("init"), help: "Initialisation: random (inside the cameras' look-at volume), hull (on the surface of the training views' visual hull, from their alpha), points (a COLMAP project's points3D) or a point-cloud FILE.ply.")
    var initialisation = SplatInitialisation.random

    @Option(help: "Upper bound on the Gaussian count during densification.")
    var maxGaussians = 1_000_000

    @Option(help: "Pixel loss: l1 (3DGS) or mse.")
    var loss = PhotometricLoss.PixelTerm.l1

    @Option(help: "Weight of (1 - SSIM) in the loss (3DGS's SSIM, which the held-out line reports too).")
    var ssimWeight: Float = 0.2

    @Option(help: "seed: the seed paper's Eq. 6 (MSE + SSIM + LPIPS; the paper gives no weights: 0.8 MSE + 0.2 (1 - SSIM) + 0.1 LPIPS).")
    var preset: TrainingConfig.Preset?

    @Option(help: "Weight of the LPIPS term (0: off; needs `orbit setup`'s LPIPS weights).")
    var lpipsWeight: Float?

    @Option(help: "LPIPS backbone: alex or vgg.")
    var lpipsNet = LPIPS.Backbone.alex

    @Option(help: "Evaluate LPIPS every K steps.")
    var lpipsEvery = 1

    @Option(help: "Side of the random square crop LPIPS sees (0: the whole image).")
    var lpipsCrop = 128

    @Flag(help: "Use the views' alpha as a loss mask (transparent pixels do not count) instead of fitting the background they are composited on.")
    var alphaMask = false

    @Flag(help: "Mip-Splatting's antialiased opacity compensation.")
    var antialiased = false

    @Option(help: "Write a checkpoint every N iterations (and on Ctrl-C).")
    var checkpointEvery = 1000

    @Option(help: "Evaluate on the held-out views every N iterations (0: only at the end): a line on standard error each time, and in --json the curve of PSNR against training time (evaluations not counted).")
    var evaluateEvery = 0

    @Flag(help: "Continue from OUT.checkpoint.safetensors (without one: start at step 0).")
    var resume = false

    @Flag(help: "Replace an existing output PLY and curves (and start over from an interrupted run's checkpoint).")
    var force = false

    @Flag(help: "Print the final evaluation as one JSON object.")
    var json = false

    func validate() throws {
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        guard evaluateEvery >= 0 else { throw ValidationError("--evaluate-every must be 0 or positive") }
        guard testEvery >= 0, downscale >= 1, gaussians > 0, maxGaussians >= gaussians else {
            throw ValidationError("--test-every >= 0, --downscale >= 1, 0 < --gaussians <= --max-gaussians")
        }
        guard testEvery != 1 else { throw ValidationError("--test-every 1 would hold out every view; use 0 (train on all) or 2 or more") }
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
        guard (0...0.9).contains(lowResolutionShare) else { throw ValidationError("--low-resolution-share must be in 0...0.9") }
        guard lpipsEvery >= 1, lpipsCrop >= 0, (lpipsWeight ?? 0) >= 0 else {
            throw ValidationError("--lpips-every >= 1, --lpips-crop >= 0, --lpips-weight >= 0")
        }
    }

    func run() throws {
        if let threads { Parallel.threads = threads }
        var job = SplatFitJob(out: out)
        job.checkpointEvery = checkpointEvery
        job.evaluateEvery = evaluateEvery
        // The outputs are checked before any work: found only after training, a bad --out lost the result.
        let inputs = ViewsDataset.inputFiles(folder: views) + (initialisation.pointCloudPath.map { [$0] } ?? [])
        try OutputPaths.checkFiles([out, job.curvesPath], force: force, inputs: inputs)
        try OutputPaths.checkFiles([job.checkpointPath], force: true, inputs: inputs)
        if FileManager.default.fileExists(atPath: job.checkpointPath) && !resume && !force {
            throw CommandFailure("\(job.checkpointPath): an interrupted run's checkpoint; pass --resume to continue it or --force to start over")
        }
        let outDirectory = OutputPaths.folder(of: out)
        let created = try OutputPaths.create(outDirectory.isEmpty ? "." : outDirectory)
        try created.cleaningUpOnFailure { try fit(job) }
    }

    func fit(_ job: SplatFitJob) throws {
        let all = try ViewsDataset.read(folder: views, background: background.tuple, downscale: downscale)
        let (train, heldOut) = SplatFitJob.split(all, testEvery: testEvery)

        var config = preset?.config ?? TrainingConfig()
        if preset == nil { config.loss = PhotometricLoss(pixelTerm: loss, ssimWeight: ssimWeight) }
        (config.iterations, config.seed, config.initialGaussians, config.maxGaussians) = (iterations, seed, gaussians, maxGaussians)
        config.render.background = background.rgb
        config.render.antialiased = antialiased
        config.alphaAsMask = alphaMask
        config.lowResolutionShare = lowResolutionShare
        let trainer = SplatTrainer(views: train, config: config, initial: try initialisation.gaussians(viewsFolder: views, training: train, config: config))
        let perceptualWeight = lpipsWeight ?? preset?.perceptualWeight ?? 0
        if perceptualWeight > 0 {
            trainer.perceptual = try .lpips(lpipsNet, weight: perceptualWeight, every: lpipsEvery, crop: lpipsCrop,
                                            width: train[0].camera.width, height: train[0].camera.height)
        }
        if resume && FileManager.default.fileExists(atPath: job.checkpointPath) {
            try job.resume(trainer)
            print("resuming from \(job.checkpointPath) at step \(trainer.step)")
        } else if resume {
            // A run killed before its first checkpoint: resuming it is starting it.
            print("note: no checkpoint at \(job.checkpointPath) (the run stopped before its first one); starting at step 0")
        }
        let interrupted = Atomic<Bool>(false)
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { interrupted.store(true, ordering: .relaxed) }
        source.resume()

        print("fitting \(train.count) views (\(heldOut.count) held out) at \(train[0].camera.width)x\(train[0].camera.height), "
              + "\(trainer.gaussians.count) Gaussians, \(iterations) iterations, scene extent \(String(format: "%.2f", trainer.sceneExtent))")
        let progress = ProgressLine(total: iterations, label: "fit", alreadyDone: trainer.step)
        let outcome = try job.run(trainer, heldOut: heldOut, shouldStop: { interrupted.load(ordering: .relaxed) }, progress: { report in
            progress.update(report.step, detail: String(format: "loss %.4f  PSNR %.2f dB  %d Gaussians", report.loss, report.psnr,
                                                        report.gaussians))
        }, evaluated: { p in
            progress.note(String(format: "%@ at step %d: PSNR %.2f dB, SSIM %.4f, %d Gaussians, %.1f s of training",
                                 heldOut.isEmpty ? "training views" : "held out", p.step, p.psnr, p.ssim, p.gaussians, p.seconds))
        })
        progress.finish()
        guard case let .finished(result) = outcome else {
            print("interrupted at step \(trainer.step): checkpoint \(job.checkpointPath); continue with --resume")
            Foundation.exit(130)
        }
        let (seconds, evaluation, curves) = (result.seconds, result.evaluation, job.curvesPath)

        if json {
            let curve = result.curve.map { ["step": $0.step, "seconds": $0.seconds, "gaussians": $0.gaussians, "psnr": $0.psnr, "ssim": $0.ssim] }
            try printJSON(["out": out, "gaussians": trainer.gaussians.count, "seconds": seconds, "iterations": iterations,
                           "held_out": heldOut.count, "psnr": evaluation.psnr, "ssim": evaluation.ssim, "curve": curve])
        } else {
            print("wrote \(out) (\(trainer.gaussians.count) Gaussians) and \(curves) in \(String(format: "%.1f", seconds)) s")
            print(String(format: "%@ views: PSNR %.2f dB, SSIM %.4f", heldOut.isEmpty ? "training" : "held-out",
                         evaluation.psnr, evaluation.ssim))
        }
    }
}
