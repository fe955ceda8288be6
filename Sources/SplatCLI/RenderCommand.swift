import ArgumentParser
import CommandSupport
import Foundation
import Geometry
import Imaging
import Splat

/// `splat render head.ply --cameras transforms.json --out DIR` or `--turntable --out turntable.gif|.mp4|DIR`.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render splats: every camera of a transforms.json, or a turntable (PNG frames, GIF, MP4 through ffmpeg).")

    @Argument(help: "Splats (INRIA PLY, or .spz).")
    var input: String

    @Option(help: "A transforms.json whose cameras to render (each frame under its file name).")
    var cameras: String?

    @Flag(help: "Render a turntable around the splats.")
    var turntable = false

    @Option(help: "Turntable frames.")
    var frames = 120

    @Option(help: "Turntable elevation in degrees.")
    var elevation: Float = 10

    @Option(help: "Turntable image side in pixels.")
    var size = 512

    @Option(help: "Turntable field of view in degrees.")
    var fov: Float = OrbitRig.standard.fieldOfView

    @Option(help: "Turntable camera distance (default: fits the splats in view).")
    var distance: Float?

    @OptionGroup var background: BackgroundOption

    @Option(help: "Output: a folder, or for --turntable also name.gif or name.mp4.")
    var out: String

    @Flag(help: "Replace existing renders (never the inputs: the splats, the cameras file or its images).")
    var force = false

    func validate() throws {
        guard (cameras != nil) != turntable else { throw ValidationError("pass either --cameras FILE or --turntable") }
        guard fov > 1, fov < 170 else { throw ValidationError("1 < --fov < 170") }
        if turntable, let problem = Turntable.problem(frames: frames, size: size) { throw ValidationError(problem) }
        if let distance, !(distance > 0 && distance.isFinite) { throw ValidationError("--distance must be a positive number") }
    }

    func run() throws {
        var settings = RenderSettings()
        settings.background = background.rgb
        if let cameras {
            let list = try ViewsFolder.frames(transforms: cameras)
            let outputs = list.map { (out as NSString).appendingPathComponent($0.name) }
            // Rendering into the views folder would replace its ground-truth images.
            try OutputPaths.checkFolder(out)
            try OutputPaths.checkFiles(outputs, force: force, inputs: [input, cameras] + list.map(\.imagePath))
            let g = try SplatFormat.read(input)
            try OutputPaths.create(out).cleaningUpOnFailure {
                let progress = ProgressLine(total: list.count, label: "render")
                for (i, (frame, path)) in zip(list, outputs).enumerated() {
                    try ImageIO.write(image(Rasterizer.render(g, camera: frame.camera, settings: settings)), to: path)
                    progress.update(i + 1)
                }
                progress.finish()
            }
            print("wrote \(list.count) views to \(out)")
            return
        }
        try renderTurntable(settings: settings)
    }

    func image(_ r: RenderedView) -> Image { Image(width: r.width, height: r.height, channels: 3, pixels: r.rgb) }

    func renderTurntable(settings: RenderSettings) throws {
        let ext = (out as NSString).pathExtension.lowercased()
        let base = ext == "gif" || ext == "mp4" ? (out as NSString).deletingPathExtension : nil
        let framesFolder = base.map { $0 + "_frames" } ?? out
        if ext == "mp4" && Turntable.ffmpeg() == nil {
            throw CommandFailure("\(out): ffmpeg is not on PATH; write name.gif or a folder of PNG frames instead")
        }
        let gif = (base ?? (out as NSString).appendingPathComponent("turntable")) + ".gif"
        let framePaths = (0..<frames).map { (framesFolder as NSString).appendingPathComponent(Turntable.frameName($0)) }
        try OutputPaths.checkFolder(framesFolder)
        try OutputPaths.checkFiles([gif] + (ext == "mp4" ? [out] : []) + framePaths, force: force, inputs: [input])
        let g = try SplatFormat.read(input)
        var turntable = Turntable()
        (turntable.frames, turntable.size, turntable.elevation, turntable.fov, turntable.distance) = (frames, size, elevation, fov, distance)
        let progress = ProgressLine(total: frames, label: "turntable")
        let images = turntable.render(g, settings: settings) { done, _ in progress.update(done) }
        progress.finish()
        try OutputPaths.create(framesFolder).cleaningUpOnFailure {
            try Turntable.writeFrames(images, to: framesFolder)
            try GIFWriter.write(images, to: gif, delayCentiseconds: 4)
            if ext == "mp4" { try Turntable.writeMP4(framesIn: framesFolder, to: out) }
        }
        print("wrote " + (["\(frames) PNG frames in \(framesFolder)", gif] + (ext == "mp4" ? [out] : [])).joined(separator: ", "))
    }
}
