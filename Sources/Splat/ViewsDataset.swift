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
    public static func read(folder: String, background: (Float, Float, Float) = (1, 1, 1), downscale: Int = 1) throws -> [DatasetView] {
        let path = (folder as NSString).appendingPathComponent("transforms.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SplatInputError(path, FileManager.default.fileExists(atPath: folder) ? "no such file (a views folder needs transforms.json)"
                                                                                  : "no such folder")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SplatInputError(path, "not a JSON object")
        }
        guard let frames = json["frames"] as? [[String: Any]], !frames.isEmpty else { throw SplatInputError(path, "no frames") }
        var views: [DatasetView] = []
        var size: (Int, Int)?
        for (index, frame) in frames.enumerated() {
            func number(_ key: String) -> Double? { (frame[key] ?? json[key]) as? Double ?? ((frame[key] ?? json[key]) as? Int).map(Double.init) }
            guard let file = frame["file_path"] as? String else { throw SplatInputError(path, "frame \(index) has no file_path") }
            let imagePath = try resolveImage(file, folder: folder, transforms: path)
            var image = try ImageIO.read(imagePath)
            if let (w, h) = size, (image.width, image.height) != (w, h) {
                throw SplatInputError(imagePath, "is \(image.width)x\(image.height), but the first view is \(w)x\(h) (all views must share one size)")
            }
            size = (image.width, image.height)
            guard let matrix = frame["transform_matrix"] as? [[Any]], matrix.count >= 3, matrix.allSatisfy({ $0.count == 4 }) else {
                throw SplatInputError(path, "frame \(index) (\(file)) has no 4x4 transform_matrix")
            }
            let m = matrix.map { $0.map { ($0 as? Double).map(Float.init) ?? ($0 as? Int).map(Float.init) ?? .nan } }
            guard m.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                throw SplatInputError(path, "frame \(index) (\(file)) has a non-finite or non-numeric transform_matrix entry")
            }
            let (w, h) = (Float(image.width), Float(image.height))
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
            if downscale > 1 { image = image.resized(width: image.width / downscale, height: image.height / downscale, filter: .area) }
            let camera = Camera(width: Int(w), height: Int(h), fx: fx, fy: fy, cx: cx, cy: cy, cameraToWorldOpenGL: m)
                .downscaled(by: downscale)
            views.append(DatasetView(name: (file as NSString).lastPathComponent, camera: camera,
                                     image: image.compositedRGB(background: background), alpha: alphaChannel(image)))
        }
        return views
    }

    /// file_path relative to the folder; NeRF-synthetic paths come without an extension.
    static func resolveImage(_ file: String, folder: String, transforms: String) throws -> String {
        let base = (folder as NSString).appendingPathComponent(file)
        for candidate in [base, base + ".png", base + ".jpg"] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw SplatInputError(base, "no such image (listed in \(transforms))")
    }

    static func alphaChannel(_ image: Image) -> [Float] {
        guard image.channels == 2 || image.channels == 4 else { return [Float](repeating: 1, count: image.width * image.height) }
        return (0..<(image.width * image.height)).map { image.pixels[$0 * image.channels + image.channels - 1] }
    }
}
