import Diffusion
import Foundation
import Geometry
import Imaging
import Models
import NN
import Pipeline
import Splat
import Synth
import Tensor

/// `orbit reconstruct portrait --out head/`: the whole pipeline from one portrait, in stages that
/// resume. views/ (the 96-view orbit), splats.ply and splats.splat (fitted to it, with held-out
/// generated views measured), mesh.ply (the mesh branch, when its weights exist), turntable.gif
/// (and turntable.mp4 through ffmpeg), index.html (the viewer) and report.json. Work happens in
/// OUT.partial, whose reconstruct.json holds the settings and the finished stages; each stage also
/// checkpoints inside itself (sampling steps, splat iterations). The folder is renamed into place
/// only when every stage is done.
public struct PortraitReconstruction {
    public static let stages = ["views", "splats", "mesh", "turntable", "viewer"]

    public let generator: GeneratorModel, generatorPath: String
    public let head: HeadModel?, headPath: String?
    public let faces: FaceAnalysis?
    public var settings: ReconstructionSettings

    public init(generator: GeneratorModel, generatorPath: String, head: HeadModel?, headPath: String?, faces: FaceAnalysis?,
                settings: ReconstructionSettings) {
        (self.generator, self.generatorPath, self.head, self.headPath, self.faces) = (generator, generatorPath, head, headPath, faces)
        self.settings = settings
    }

    public enum Event {
        case note(String)
        /// Stage `index` of `count` starts (or was finished by an earlier run).
        case stage(name: String, index: Int, count: Int, alreadyDone: Bool)
        /// Progress of one phase of the running stage (sampling, decoding, fitting, ...).
        case progress(phase: String, done: Int, total: Int, detail: String)
        case skipped(name: String, reason: String)
        case finished(name: String, seconds: Double)
    }

    public enum Outcome {
        case finished(report: [String: Any])
        /// Interrupted in this stage; the same command resumes it.
        case stopped(stage: String)
    }

    /// reconstruct.json: what an interrupted run left.
    struct State: Codable {
        var settings: ReconstructionSettings
        var seconds: [String: Double] = [:]
        var results: [String: [String: Double]] = [:]
        var skipped: [String: String] = [:]
    }

    /// Runs every stage not yet finished in OUT.partial, then moves it to `out` (which must not exist).
    /// `shouldStop` is asked between steps; a stop leaves OUT.partial ready to resume.
    public func run(portrait: Image, out: String, shouldStop: @escaping () -> Bool = { false },
                    event: @escaping (Event) -> Void = { _ in }) throws -> Outcome {
        let fm = FileManager.default, staging = out + ".partial", statePath = staging + "/reconstruct.json"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        var state = State(settings: settings)
        if fm.fileExists(atPath: statePath) {
            let stored: State
            do { stored = try JSONDecoder().decode(State.self, from: Data(contentsOf: URL(fileURLWithPath: statePath))) } catch {
                throw ReconstructionError("\(statePath): unreadable (\(error)); remove \(staging) to start over")
            }
            let differing = settings.differences(from: stored.settings)
            guard differing.isEmpty else {
                throw ReconstructionError("\(staging) holds a run with other settings (\(differing.joined(separator: ", "))): "
                                          + "repeat its settings to resume it, or pass --restart")
            }
            state = stored
        }
        func save() throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(state), to: statePath)
        }
        try save()
        for (index, name) in Self.stages.enumerated() {
            let done = state.seconds[name] != nil || state.skipped[name] != nil
            event(.stage(name: name, index: index, count: Self.stages.count, alreadyDone: done))
            if done { continue }
            if shouldStop() { return .stopped(stage: name) }
            let started = Date()
            switch name {
            case "views":
                guard try generateViews(portrait, into: staging, shouldStop: shouldStop, event: event) else { return .stopped(stage: name) }
            case "splats":
                guard let metrics = try fitSplats(in: staging, shouldStop: shouldStop, event: event) else { return .stopped(stage: name) }
                state.results[name] = metrics
            case "mesh":
                switch try mesh(portrait, into: staging, event: event) {
                case .success(let metrics): state.results[name] = metrics
                case .failure(let reason):
                    state.skipped[name] = reason.description
                    event(.skipped(name: name, reason: reason.description))
                    try save()
                    continue
                }
            case "turntable": try turntable(in: staging, event: event)
            default: try viewer(in: staging)
            }
            state.seconds[name] = Date().timeIntervalSince(started)
            try save()
            event(.finished(name: name, seconds: state.seconds[name]!))
        }
        let report = self.report(state)
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]),
                             to: staging + "/report.json")
        try fm.removeItem(atPath: statePath)
        if fm.fileExists(atPath: out) { try fm.removeItem(atPath: out) }
        try fm.moveItem(atPath: staging, toPath: out)
        return .finished(report: report)
    }

    func report(_ state: State) -> [String: Any] {
        var report: [String: Any] = ["settings": state.settings.jsonObject, "seconds": state.seconds,
                                     "total_seconds": state.seconds.values.reduce(0, +), "generator": generator.provenance]
        for (stage, metrics) in state.results { report[stage] = metrics }
        if !state.skipped.isEmpty { report["skipped"] = state.skipped }
        if let headPath { report["head_model"] = headPath }
        return report
    }

    // MARK: Stages

    /// views/: false when stopped.
    func generateViews(_ portrait: Image, into staging: String, shouldStop: @escaping () -> Bool,
                       event: @escaping (Event) -> Void) throws -> Bool {
        var job = ViewsGeneration(generator: generator, modelPath: generatorPath)
        guard let sampler = EDMSampler.Method(rawValue: settings.sampler) else { throw ReconstructionError("unknown sampler \(settings.sampler)") }
        (job.settings.steps, job.settings.sampler, job.settings.seed) = (settings.steps, sampler, settings.seed)
        let (steps, views) = (settings.steps, job.views.count)
        let outcome = try job.run(portrait: portrait, faces: faces, out: staging + "/views", shouldStop: { _ in shouldStop() }) { e in
            switch e {
            case .note(let note): event(.note(note))
            case .resumed(_, let step): event(.note("resuming the orbit's sampling after step \(step) of \(steps)"))
            case .sampling: break
            case .sampled(let step): event(.progress(phase: "sample", done: step, total: steps, detail: "step \(step)/\(steps)"))
            case .decoded(let done): event(.progress(phase: "decode", done: done, total: views, detail: "views"))
            }
        }
        if case .stopped = outcome { return false }
        return true
    }

    /// splats.ply, splats.splat and splats.curves.png; the held-out metrics, or nil when stopped.
    func fitSplats(in staging: String, shouldStop: @escaping () -> Bool, event: @escaping (Event) -> Void) throws -> [String: Double]? {
        let all = try ViewsDataset.read(folder: staging + "/views")
        let (train, heldOut) = SplatFitJob.split(all, testEvery: settings.testEvery)
        var config = TrainingConfig()
        (config.iterations, config.seed) = (settings.splatIterations, settings.seed)
        let trainer = SplatTrainer(views: train, config: config)
        var job = SplatFitJob(out: staging + "/splats.ply")
        job.checkpointEvery = 500
        if FileManager.default.fileExists(atPath: job.checkpointPath) {
            try job.resume(trainer)
            event(.note("resuming the splat fit at iteration \(trainer.step)"))
        }
        let iterations = settings.splatIterations
        let outcome = try job.run(trainer, heldOut: heldOut, shouldStop: shouldStop) { r in
            event(.progress(phase: "fit", done: r.step, total: iterations,
                            detail: String(format: "PSNR %.2f dB  %d Gaussians", r.psnr, r.gaussians)))
        }
        guard case let .finished(result) = outcome else { return nil }
        try SplatFile.write(trainer.gaussians, to: staging + "/splats.splat")
        return ["held_out_views": Double(result.heldOut), "held_out_psnr": Double(result.evaluation.psnr),
                "held_out_ssim": Double(result.evaluation.ssim), "gaussians": Double(result.gaussians), "fit_seconds": result.seconds]
    }

    /// mesh.ply and its size, or why there is none.
    func mesh(_ portrait: Image, into staging: String, event: @escaping (Event) -> Void) throws -> Result<[String: Double], ReconstructionError> {
        guard let head else { return .failure(ReconstructionError("no head model (Weights/\(HeadModel.defaultName) or $ORBIT_HEAD)")) }
        var reconstruction = HeadReconstruction(model: head, encoder: try HeadConditionEncoder.committed(), faces: faces)
        reconstruction.guidance = 2
        let (condition, _) = reconstruction.condition(of: portrait)
        var latent = reconstruction.latents(for: condition, estimate: settings.meshEstimate, draws: settings.meshDraws,
                                            seed: settings.seed) { done, total in
            event(.progress(phase: "prior", done: done, total: total, detail: settings.meshEstimate == .sampled ? "DDIM steps" : "estimates"))
        }
        if settings.meshRefineSteps > 0, head.faceShape != nil {
            var refinement = HeadShapeRefinement()
            refinement.steps = settings.meshRefineSteps
            let fit = reconstruction.refiningShape(latent, condition: condition, kit: try FaceKit(), refinement: refinement) { done, total in
                event(.progress(phase: "shape", done: done, total: total, detail: "steps"))
            }
            if let fit { latent = fit.latent } else { event(.note("no face was found: the mesh's shape is the prior's, not refined")) }
        }
        let mesh = reconstruction.mesh(latent, resolution: settings.meshResolution) { done, total in
            event(.progress(phase: "mesh", done: done, total: total, detail: "fine points"))
        }
        guard !mesh.triangles.isEmpty else { return .failure(ReconstructionError("the head model's surface for this portrait does not cross its box")) }
        try AtomicFile.write(MeshPLY.encode(positions: mesh.positions, normals: mesh.normals, colours: mesh.colours, triangles: mesh.triangles),
                             to: staging + "/mesh.ply")
        return .success(["vertices": Double(mesh.positions.count / 3), "triangles": Double(mesh.triangles.count / 3),
                         "watertight": Mesh.isWatertight(triangles: mesh.triangles) ? 1 : 0])
    }

    /// turntable.gif, and turntable.mp4 when ffmpeg is on PATH.
    func turntable(in staging: String, event: @escaping (Event) -> Void) throws {
        let g = try PLYFile.read(staging + "/splats.ply")
        var turntable = Turntable()
        (turntable.frames, turntable.size) = (settings.turntableFrames, settings.turntableSize)
        let images = turntable.render(g, settings: RenderSettings()) { done, total in
            event(.progress(phase: "turntable", done: done, total: total, detail: "frames"))
        }
        try GIFWriter.write(images, to: staging + "/turntable.gif", delayCentiseconds: 4)
        guard Turntable.ffmpeg() != nil else { event(.note("ffmpeg is not on PATH: turntable.gif only")); return }
        let frames = staging + "/turntable_frames"
        try Turntable.writeFrames(images, to: frames)
        try Turntable.writeMP4(framesIn: frames, to: staging + "/turntable.mp4")
        try FileManager.default.removeItem(atPath: frames)
    }

    /// index.html: the splats, and the mesh when there is one.
    func viewer(in staging: String) throws {
        let g = try PLYFile.read(staging + "/splats.ply")
        let meshPath = staging + "/mesh.ply"
        let mesh = FileManager.default.fileExists(atPath: meshPath) ? try SplatViewer.ColouredMesh.read(meshPath) : nil
        let page = SplatViewer.page(g, mesh: mesh, camera: .framing(g), background: RenderSettings().background)
        try AtomicFile.write(Data(page.utf8), to: staging + "/index.html")
    }
}

public struct ReconstructionError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
