import Foundation
import Geometry
import Imaging
import Tensor

/// A turntable around splats: frames on a circle at one elevation, looking at the opaque part's
/// centre, written as PNG frames, a GIF and (through ffmpeg, when it is on PATH) an MP4.
public struct Turntable {
    public var frames = 120, size = 512
    /// Degrees; `fov` is the vertical field of view (the standard rig's by default).
    public var elevation: Float = 10, fov = OrbitRig.standard.fieldOfView
    /// Camera distance; nil frames the splats whole.
    public var distance: Float?

    public init() {}

    /// The largest frame side, and the most pixels over all frames: every frame is held in memory
    /// (Float RGB, 12 bytes a pixel) until the GIF is written, so this caps that at 1.5 GB.
    public static let maximumSize = 4096, maximumPixels = 1 << 27

    /// Why `frames` frames of `size` px cannot be rendered, or nil.
    public static func problem(frames: Int, size: Int) -> String? {
        guard frames >= 1, size >= 16, size <= maximumSize else { return "--frames >= 1 and 16 <= --size <= \(maximumSize)" }
        guard let pixels = Int.checkedProduct([frames, size, size]), pixels <= maximumPixels else {
            return "\(frames) frames of \(size)x\(size) exceed \(maximumPixels) pixels in all (every frame is kept for the GIF); "
                + "lower --frames or --size"
        }
        return nil
    }

    /// The frames, `progress(done, frames)` after each.
    public func render(_ g: Gaussians, settings: RenderSettings, progress: (Int, Int) -> Void = { _, _ in }) -> [Image] {
        let framing = g.framing(fov: fov)
        let rig = OrbitRig(distance: distance ?? framing.distance, fieldOfView: fov, centre: framing.centre)
        return OrbitView.ring(elevation: elevation, count: frames).enumerated().map { i, view in
            let r = Rasterizer.render(g, camera: rig.camera(view, size: size), settings: settings)
            progress(i + 1, frames)
            return Image(width: r.width, height: r.height, channels: 3, pixels: r.rgb)
        }
    }

    /// ffmpeg on PATH, if any.
    public static func ffmpeg() -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/ffmpeg" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The frames' file names (frame_0000.png ...) as a printf pattern, which ffmpeg reads too.
    static let framePattern = "frame_%04d.png"

    /// Frame `i`'s file name.
    public static func frameName(_ i: Int) -> String { String(format: framePattern, i) }

    /// Frames as frame_0000.png ... in `folder`.
    public static func writeFrames(_ images: [Image], to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (i, frame) in images.enumerated() {
            try ImageIO.write(frame, to: (folder as NSString).appendingPathComponent(frameName(i)))
        }
    }

    /// An H.264 MP4 at 30 frames a second from the PNG frames in `folder` (written whole or not at all).
    public static func writeMP4(framesIn folder: String, to path: String) throws {
        guard let ffmpeg = ffmpeg() else { throw SplatInputError(path, "ffmpeg is not on PATH") }
        let partial = (path as NSString).deletingPathExtension + ".partial.mp4"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ["-nostdin", "-y", "-loglevel", "error", "-framerate", "30", "-i", (folder as NSString).appendingPathComponent(framePattern),
                             "-c:v", "libx264", "-pix_fmt", "yuv420p", partial]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: partial)
            throw SplatInputError(path, "ffmpeg failed (status \(process.terminationStatus))")
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }
}
