import Foundation
import Geometry
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

extension DatasetView {
    /// The view at 1/`factor` of its size (area filter for the image and the alpha; the camera's
    /// intrinsics scaled); itself for factors of 1 or views that would fall under 8 px a side.
    public func downscaled(by factor: Int) -> DatasetView {
        let (w, h) = (camera.width / factor, camera.height / factor)
        guard factor > 1, w >= ViewsDataset.minimumSide, h >= ViewsDataset.minimumSide else { return self }
        let mask = Image(width: camera.width, height: camera.height, channels: 1, pixels: alpha).resized(width: w, height: h, filter: .area)
        return DatasetView(name: name, camera: camera.downscaled(by: factor), image: image.resized(width: w, height: h, filter: .area),
                           alpha: mask.pixels)
    }
}

/// Views read for training and evaluation: a views folder (`ViewsFolder.frames`: nerfstudio or
/// NeRF-synthetic transforms.json) or a COLMAP project, with their images loaded.
public enum ViewsDataset {
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
        return try ViewsFolder.frames(transforms: path).map { frame in
            guard FileManager.default.fileExists(atPath: frame.imagePath) else {
                throw SplatInputError(frame.imagePath, "no such image (listed in \(path))")
            }
            var image = try ImageIO.read(frame.imagePath)
            guard image.width == frame.camera.width && image.height == frame.camera.height else {
                throw SplatInputError(frame.imagePath, "is \(image.width)x\(image.height), but \(path) gives its camera "
                                      + "\(frame.camera.width)x\(frame.camera.height)")
            }
            image = try downscaled(image, by: downscale, path: frame.imagePath)
            return DatasetView(name: frame.name, camera: frame.camera.downscaled(by: downscale),
                               image: image.compositedRGB(background: background), alpha: alphaChannel(image))
        }
    }

    /// The files `read(folder:)` reads (transforms.json and its images, or a COLMAP project's model and
    /// images), which no output may replace; empty when the folder cannot be read (`read` says why).
    public static func inputFiles(folder: String) -> [String] {
        let transforms = (folder as NSString).appendingPathComponent("transforms.json")
        if let frames = try? ViewsFolder.frames(transforms: transforms) { return [transforms] + frames.map(\.imagePath) }
        return ["sparse/0", "images"].flatMap { sub -> [String] in
            let dir = (folder as NSString).appendingPathComponent(sub)
            return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).map { (dir as NSString).appendingPathComponent($0) }
        }
    }

    /// The smallest side a view may be downscaled to.
    public static let minimumSide = 8

    /// `image` shrunk by `factor` (area filter); throws, naming `path`, when that leaves less than
    /// `minimumSide` pixels a side.
    static func downscaled(_ image: Image, by factor: Int, path: String) throws -> Image {
        guard factor > 1 else { return image }
        let (w, h) = (image.width / factor, image.height / factor)
        guard w >= minimumSide, h >= minimumSide else {
            throw SplatInputError(path, "is \(image.width)x\(image.height); --downscale \(factor) would leave \(w)x\(h) "
                                  + "(views need at least \(minimumSide) px a side)")
        }
        return image.resized(width: w, height: h, filter: .area)
    }

    static func alphaChannel(_ image: Image) -> [Float] {
        guard image.channels == 2 || image.channels == 4 else { return [Float](repeating: 1, count: image.width * image.height) }
        return (0..<(image.width * image.height)).map { image.pixels[$0 * image.channels + image.channels - 1] }
    }
}
