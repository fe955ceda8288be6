import Foundation
import Imaging

/// An error in a dataset or splat file, naming the file and the problem.
public struct SplatInputError: Error, CustomStringConvertible {
    public let path: String, problem: String
    public init(_ path: String, _ problem: String) { (self.path, self.problem) = (path, problem) }
    public var description: String { "\(path): \(problem)" }
}

/// One training or evaluation view: its camera and its image.
public struct DatasetView: Sendable {
    public var name: String
    public var camera: Camera
    /// RGB, alpha composited over the dataset's background.
    public var image: Image
    /// The image's alpha (1 everywhere for images without one), row-major.
    public var alpha: [Float]

    public init(name: String, camera: Camera, image: Image, alpha: [Float]) {
        (self.name, self.camera, self.image, self.alpha) = (name, camera, image, alpha)
    }
}

/// Views read from a `transforms.json` folder: the nerfstudio layout DESIGN.md defines (`fl_x`, `fl_y`,
/// `cx`, `cy`, `w`, `h` at the top or per frame, `frames[].file_path`, camera-to-world
/// `transform_matrix` in the OpenGL convention) or NeRF-synthetic files (`camera_angle_x`, file paths
/// without extension).
public enum ViewsDataset {
    /// One frame of a transforms.json: its image path and camera (at the file's resolution).
    public struct Frame: Sendable {
        public let name: String, imagePath: String, camera: Camera
    }

    /// The frames of `transforms` (a transforms.json path). Image files are only opened when the file
    /// gives no size (`w`, `h`), to learn it from the first one.
    public static func frames(transforms path: String) throws -> [Frame] {
        let folder = (path as NSString).deletingLastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SplatInputError(path, FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder)
                                  ? "no such file (a views folder needs transforms.json)" : "no such folder")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SplatInputError(path, "not a JSON object")
        }
        guard let frames = json["frames"] as? [[String: Any]], !frames.isEmpty else { throw SplatInputError(path, "no frames") }
        var size: (Int, Int)?
        return try frames.enumerated().map { index, frame in
            func number(_ key: String) -> Double? {
                let value = frame[key] ?? json[key]
                return value as? Double ?? (value as? Int).map(Double.init)
            }
            guard let file = frame["file_path"] as? String else { throw SplatInputError(path, "frame \(index) has no file_path") }
            let imagePath = resolveImage(file, folder: folder)
            if let w = number("w"), let h = number("h") {
                size = (Int(w), Int(h))
            } else if size == nil {
                guard let path = imagePath else { throw SplatInputError((folder as NSString).appendingPathComponent(file), "no such image (listed in \(path))") }
                let image = try ImageIO.read(path)
                size = (image.width, image.height)
            }
            guard let matrix = frame["transform_matrix"] as? [[Any]], matrix.count >= 3, matrix.allSatisfy({ $0.count == 4 }) else {
                throw SplatInputError(path, "frame \(index) (\(file)) has no 4x4 transform_matrix")
            }
            let m = matrix.map { $0.map { ($0 as? Double).map(Float.init) ?? ($0 as? Int).map(Float.init) ?? .nan } }
            guard m.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                throw SplatInputError(path, "frame \(index) (\(file)) has a non-finite or non-numeric transform_matrix entry")
            }
            let (w, h) = (Float(size!.0), Float(size!.1))
            let fx: Float, fy: Float
            if let flx = number("fl_x") {
                fx = Float(flx)
                fy = Float(number("fl_y") ?? flx)
            } else if let angle = number("camera_angle_x") {
                fx = 0.5 * w / tan(0.5 * Float(angle))
                fy = fx
            } else {
                throw SplatInputError(path, "no intrinsics for frame \(index) (need fl_x or camera_angle_x)")
            }
            let cx = Float(number("cx") ?? Double(w) / 2), cy = Float(number("cy") ?? Double(h) / 2)
            guard fx.isFinite, fy.isFinite, fx > 0, fy > 0, cx.isFinite, cy.isFinite else {
                throw SplatInputError(path, "frame \(index) has invalid intrinsics (fl_x \(fx), fl_y \(fy), cx \(cx), cy \(cy))")
            }
            let camera = Camera(width: size!.0, height: size!.1, fx: fx, fy: fy, cx: cx, cy: cy, cameraToWorldOpenGL: m)
            return Frame(name: (file as NSString).lastPathComponent,
                         imagePath: imagePath ?? (folder as NSString).appendingPathComponent(file), camera: camera)
        }
    }

    /// The frames of `folder`/transforms.json with their images (all of one size; alpha composited over
    /// `background`), optionally downscaled; a folder with `sparse/0` and no transforms.json is read
    /// as a COLMAP project instead.
    public static func read(folder: String, background: (Float, Float, Float) = (1, 1, 1), downscale: Int = 1) throws -> [DatasetView] {
        let path = (folder as NSString).appendingPathComponent("transforms.json")
        guard FileManager.default.fileExists(atPath: folder) else { throw SplatInputError(folder, "no such folder") }
        if !FileManager.default.fileExists(atPath: path)
            && FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("sparse/0")) {
            return try readColmap(folder: folder, background: background, downscale: downscale)
        }
        return try frames(transforms: path).map { frame in
            guard FileManager.default.fileExists(atPath: frame.imagePath) else {
                throw SplatInputError(frame.imagePath, "no such image (listed in \(path))")
            }
            var image = try ImageIO.read(frame.imagePath)
            guard image.width == frame.camera.width && image.height == frame.camera.height else {
                throw SplatInputError(frame.imagePath, "is \(image.width)x\(image.height), but the views are "
                                      + "\(frame.camera.width)x\(frame.camera.height) (all views must share one size)")
            }
            if downscale > 1 { image = image.resized(width: image.width / downscale, height: image.height / downscale, filter: .area) }
            return DatasetView(name: frame.name, camera: frame.camera.downscaled(by: downscale),
                               image: image.compositedRGB(background: background), alpha: alphaChannel(image))
        }
    }

    /// file_path relative to the folder; NeRF-synthetic paths come without an extension.
    static func resolveImage(_ file: String, folder: String) -> String? {
        let base = (folder as NSString).appendingPathComponent(file)
        return [base, base + ".png", base + ".jpg"].first { FileManager.default.fileExists(atPath: $0) }
    }

    static func alphaChannel(_ image: Image) -> [Float] {
        guard image.channels == 2 || image.channels == 4 else { return [Float](repeating: 1, count: image.width * image.height) }
        return (0..<(image.width * image.height)).map { image.pixels[$0 * image.channels + image.channels - 1] }
    }
}
