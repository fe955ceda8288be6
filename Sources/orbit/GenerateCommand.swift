import ArgumentParser
import CommandSupport
import Diffusion
import Foundation
import Imaging
import Models
import NN
import Pipeline
import Tensor

/// `orbit generate portrait.jpg --model DIR --out views/`: the portrait's orbit of views, written as a
/// views folder (DESIGN.md) that `splat fit` reads. Work happens in OUT.partial: a checkpoint after
/// every sampling step lets an interrupted run resume, and the folder is renamed into place only
/// when complete.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate the 96-view orbit of a portrait (or one ring of views) with the spatio-temporal diffusion UNet.")

    @Argument(help: "Portrait (PNG or JPEG; RGBA: alpha masks the head).")
    var portrait: String

    @Option(help: "Generator directory (default: the trained orbit-small in Weights/, or $ORBIT_GENERATOR).")
    var model: String?

    @Option(help: "Output views folder.")
    var out = "views"

    @OptionGroup var sampling: SamplingOptions

    @Option(help: "Only one ring at this elevation in degrees (with --views); default: the 96-view grid of 6 elevations.")
    var elevation: Float?

    @Option(help: "Views on the ring given by --elevation.")
    var views = 16

    @Option(help: "Frames the VAE decodes at once (memory bound).")
    var decodeChunk = 8

    @Flag(help: "Replace an existing output folder.")
    var force = false

    @Flag(help: "Start over even when OUT.partial holds a checkpoint of this job.")
    var restart = false

    @Option(help: "Stop after this many sampling steps in total, keeping the checkpoint in OUT.partial for a later run.")
    var stopAfter: Int?

    func validate() throws {
        guard views >= 1, views <= 256 else { throw ValidationError("--views must be in 1...256") }
        guard decodeChunk >= 1 else { throw ValidationError("--decode-chunk must be positive") }
        if let stopAfter, !(1..<sampling.steps).contains(stopAfter) { throw ValidationError("--stop-after must be in 1..<steps") }
        if let elevation, !(-90...90).contains(elevation) { throw ValidationError("--elevation must be in -90...90 degrees") }
    }

    func run() throws {
        guard let model = model ?? GeneratorModel.defaultDirectory() else {
            throw CommandFailure("no generator: the trained default (Weights/\(GeneratorModel.defaultName)) was not found beside "
                                 + "this binary or in the current folder; pass --model DIR or set ORBIT_GENERATOR")
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: out) && !force { throw CommandFailure("\(out): already exists (pass --force to replace it)") }
        let input = try ImageIO.read(portrait)
        let generator: GeneratorModel
        do { generator = try GeneratorModel.load(from: model) } catch { throw CommandFailure("\(error)") }
        let orbit = elevation.map { OrbitView.ring(elevation: $0, count: views) } ?? OrbitView.standard
        var settings = GenerationSettings()
        sampling.apply(to: &settings)
        settings.decodeChunk = decodeChunk
        let steps = settings.steps
        let started = Date()

        let faces = try? FaceAnalysis.pretrained()
        let identityEncoder = generator.configuration.identityDim == nil ? nil : try? generator.configuration.identityEncoder.load()
        let prepared = PreparedPortrait(input, resolution: generator.configuration.resolution, faces: faces)
        for note in prepared.notes { print("note: \(note)") }
        if generator.configuration.identityDim != nil && identityEncoder == nil && prepared.alignedFace != nil {
            print("note: the identity encoder's weights are missing (`orbit setup`, Weights/): no identity token")
        }
        let conditions = generator.conditions(for: prepared, identityEncoder: identityEncoder, settings: settings)

        let staging = out + ".partial"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let checkpoint = GenerationCheckpoint(path: staging + "/checkpoint.safetensors",
                                              fingerprint: fingerprint(prepared, generator, settings, orbit))
        let resume = restart ? nil : checkpoint.load()
        if let resume { print("resuming from \(checkpoint.path) after step \(resume.done) of \(steps)") }
        print("generating \(orbit.count) views at \(generator.configuration.resolution) px, \(steps) steps, "
              + "weights: \(generator.provenance)")
        let progress = ProgressLine(total: steps, label: "sample", alreadyDone: resume?.done ?? 0)
        let latents = generator.sampleOrbit(conditions, views: orbit, settings: settings, resume: resume) { state in
            do { try checkpoint.save(state) } catch { print("warning: cannot write checkpoint: \(error)") }
            progress.update(state.done, detail: "step \(state.done)/\(steps)")
            if state.done == stopAfter {
                progress.finish()
                print("stopped after step \(state.done) of \(steps); run the same command again to resume from \(checkpoint.path)")
                Foundation.exit(0)
            }
        }
        progress.finish()
        let decoding = ProgressLine(total: orbit.count, label: "decode")
        let rgb = generator.decodeViews(latents, chunk: decodeChunk) { done, _ in decoding.update(done) }
        decoding.finish()

        // The head mask: the generated views are on white, like the training renders.
        let images = rgb.map { BackgroundMask(of: $0, tolerance: 0.06).withAlpha() }
        try ViewsFolder.write(images: images, views: orbit, rig: OrbitRig(), into: staging)
        try ImageIO.write(prepared.view, to: staging + "/input.png")
        try fm.removeItem(atPath: checkpoint.path)
        if fm.fileExists(atPath: out) { try fm.removeItem(atPath: out) }
        try fm.moveItem(atPath: staging, toPath: out)
        print("wrote \(out): \(orbit.count) views and transforms.json in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    /// Identifies the job, so a checkpoint is only resumed by the same portrait, model and settings.
    func fingerprint(_ prepared: PreparedPortrait, _ generator: GeneratorModel, _ s: GenerationSettings, _ views: [OrbitView]) -> String {
        var h = FNV1a()
        func mix<T>(_ value: T) { h.add(raw: value) }
        for p in prepared.view.pixels { mix(p) }
        for v in views { mix(v.elevation); mix(v.azimuth) }
        mix(s.steps); for b in s.sampler.rawValue.utf8 { mix(b) }; mix(s.seed); mix(s.guidanceMin); mix(s.guidanceMax); mix(s.conditioningAugmentation)
        for b in (generator.provenance + (model ?? "")).utf8 { mix(b) }
        mix(generator.parameterCount)
        return String(format: "%016llx", h.value)
    }
}

/// The sampler's state after a step, with the job's fingerprint.
struct GenerationCheckpoint {
    let path: String
    let fingerprint: String

    func save(_ state: EDMSampler.State) throws {
        let tensors = [("sample", state.sample)] + (state.previousDenoised.map { [("previous_denoised", $0)] } ?? [])
        try SafeTensors.write(tensors, metadata: ["fingerprint": fingerprint, "steps_done": "\(state.done)"], to: path)
    }

    /// The saved state when it belongs to this job.
    func load() -> EDMSampler.State? {
        guard FileManager.default.fileExists(atPath: path), let file = try? SafeTensorsFile(path: path),
              file.metadata["fingerprint"] == fingerprint, let done = file.metadata["steps_done"].flatMap(Int.init),
              let sample = try? file.tensor("sample") else { return nil }
        let previous = file.entries["previous_denoised"] == nil ? nil : try? file.tensor("previous_denoised").contiguous()
        return EDMSampler.State(done: done, sample: sample.contiguous(), previousDenoised: previous)
    }
}
