import ArgumentParser
import CommandSupport
import Dispatch
import Foundation
import Imaging
import Pipeline
import Reconstruction
import Synchronization
import Tensor

/// `orbit reconstruct portrait.jpg --out head/`: portrait to views, splats, mesh, turntable and
/// viewer in one command (PortraitReconstruction), resumable after Ctrl-C or a kill.
struct ReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Portrait to 3D head: the 96-view orbit, splats fitted to it, the mesh branch, a turntable and a viewer page.")

    @Argument(help: "Portrait (PNG or JPEG).")
    var portrait: String

    @Option(help: "Output folder (written whole or not at all; the work in progress is OUT.partial).")
    var out = "head"

    @Option(help: "Preset: fast, default or best (view sampling steps, splat iterations, mesh and turntable sizes).")
    var quality = ReconstructionSettings.Quality.default

    @Option(help: "Random seed of the orbit's sampling, the splat fit and the mesh prior.")
    var seed: UInt64 = 0

    @Option(help: "Override the preset's sampling steps.")
    var steps: Int?

    @Option(help: "Override the preset's splat iterations.")
    var splatIterations: Int?

    @Option(help: "Override the preset's marching-cubes resolution.")
    var meshResolution: Int?

    @Option(help: "Generator directory (default: Weights/orbit-small, or $ORBIT_GENERATOR).")
    var model: String?

    @Option(help: "Head model directory for the mesh (default: Weights/orbit-head, or $ORBIT_HEAD).")
    var headModel: String?

    @Flag(help: "Replace an existing output folder.")
    var force = false

    @Flag(help: "Discard OUT.partial (an unfinished run) and start over.")
    var restart = false

    @Flag(help: "Print report.json's contents as JSON at the end.")
    var json = false

    func validate() throws {
        if let steps, steps < 2 { throw ValidationError("--steps must be at least 2") }
        if let splatIterations, splatIterations < 1 { throw ValidationError("--splat-iterations must be positive") }
        if let meshResolution, !(16...1024).contains(meshResolution) { throw ValidationError("--mesh-resolution must be in 16...1024") }
    }

    func run() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: out) && !force { throw CommandFailure("\(out): already exists (pass --force to replace it)") }
        let image = try ImageIO.read(portrait)
        guard let generatorPath = model ?? GeneratorModel.defaultDirectory() else {
            throw CommandFailure("no generator: Weights/\(GeneratorModel.defaultName) was not found beside this binary or in the current "
                                 + "folder; pass --model DIR or set ORBIT_GENERATOR")
        }
        let headPath = headModel ?? HeadModel.defaultDirectory()
        let generator = try GeneratorModel.load(from: generatorPath)
        let head = try headPath.map { try HeadModel.load(from: $0) }
        var settings = ReconstructionSettings(quality: quality)
        settings.seed = seed
        if let steps { settings.steps = steps }
        if let splatIterations { settings.splatIterations = splatIterations }
        if let meshResolution { settings.meshResolution = meshResolution }
        var hash = FNV1a()
        for p in image.pixels { hash.add(raw: p) }
        settings.portrait = String(format: "%@ (%dx%d, pixels %016llx)", (portrait as NSString).lastPathComponent, image.width, image.height, hash.value)
        (settings.generator, settings.headModel) = (generator.provenance, headPath ?? "none")
        let job = PortraitReconstruction(generator: generator, generatorPath: generatorPath, head: head, headPath: headPath,
                                         faces: try FaceAnalysis.pretrainedIfInstalled(), settings: settings)
        if restart { try? fm.removeItem(atPath: out + ".partial") }

        let interrupted = Atomic<Bool>(false)
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { interrupted.store(true, ordering: .relaxed) }
        source.resume()

        var line: ProgressLine?, phase = ""
        let outcome = try job.run(portrait: image, out: out, shouldStop: { interrupted.load(ordering: .relaxed) }) { event in
            switch event {
            case .note(let note): print("note: \(note)")
            case .stage(let name, let index, let count, let alreadyDone):
                line?.finish()
                (line, phase) = (nil, "")
                print("[\(index + 1)/\(count)] \(name)\(alreadyDone ? ": done in an earlier run" : "")")
            case .progress(let p, let done, let total, let detail):
                if p != phase { line?.finish(); (line, phase) = (ProgressLine(total: total, label: p, alreadyDone: done - 1), p) }
                line?.update(done, detail: detail)
            case .skipped(let name, let reason): print("skipped \(name): \(reason)")
            case .finished(let name, let seconds):
                line?.finish()
                (line, phase) = (nil, "")
                print(String(format: "%@ done in %.1f s", name, seconds))
            }
        }
        switch outcome {
        case .stopped(let stage):
            line?.finish()
            print("interrupted in stage \(stage): run the same command again to resume from \(out).partial")
            Foundation.exit(130)
        case .finished(let report):
            if json { try printJSON(report); return }
            let total = report["total_seconds"] as? Double ?? 0
            var summary = String(format: "wrote %@ in %.1f s: views/, splats.ply, splats.splat, ", out, total)
            summary += fm.fileExists(atPath: out + "/mesh.ply") ? "mesh.ply, " : ""
            summary += fm.fileExists(atPath: out + "/turntable.mp4") ? "turntable.gif and .mp4, " : "turntable.gif, "
            print(summary + "index.html, report.json")
            if let splats = report["splats"] as? [String: Double] {
                print(String(format: "splats on %d held-out generated views: PSNR %.2f dB, SSIM %.4f", Int(splats["held_out_views"] ?? 0),
                             splats["held_out_psnr"] ?? 0, splats["held_out_ssim"] ?? 0))
            }
        }
    }
}
