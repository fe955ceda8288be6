import Foundation
import Imaging
import Tensor

/// A views folder as DESIGN.md defines it (what `orbit generate` and `orbit synth` write and `splat
/// fit` reads): 000.png ... plus transforms.json (`TransformsFile`). Orbit writes square RGBA views
/// (alpha: the head mask) of an `OrbitRig`; it reads any nerfstudio or NeRF-synthetic folder.
public enum ViewsFolder {
    /// The transforms.json of square views of side `size` taken by `rig`, named `fileName(i)`.
    public static func transforms(views: [OrbitView], rig: OrbitRig, size: Int) -> TransformsFile {
        // Floats as their shortest decimal form (49.24294, not 49.24293899536133).
        func json(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }
        let focal = json(rig.focalLength(size: size)), half = Double(size) / 2
        let frames = views.enumerated().map { i, view in
            TransformsFile.Frame(filePath: fileName(i), transformMatrix: rig.cameraToWorld(view).map { $0.map(json) },
                                 azimuthDegrees: json(view.azimuth), elevationDegrees: json(view.elevation))
        }
        return TransformsFile(cameraModel: "OPENCV",
                              intrinsics: .init(flX: focal, flY: focal, cx: half, cy: half, w: Double(size), h: Double(size)),
                              distortion: TransformsFile.Distortion.none,
                              orbit: .init(distance: json(rig.distance), fovDegrees: json(rig.fieldOfView)), frames: frames)
    }

    public static func fileName(_ index: Int) -> String { String(format: "%03d.png", index) }

    /// Writes the images (square RGBA, alpha the head mask) and transforms.json into `directory`, which
    /// must exist (callers stage it and rename it into place when complete).
    public static func write(images: [Image], views: [OrbitView], rig: OrbitRig, into directory: String) throws {
        precondition(images.count == views.count, "\(images.count) images for \(views.count) views")
        guard let size = images.first?.width, images.allSatisfy({ $0.width == size && $0.height == size }) else {
            preconditionFailure("views must be square and of one size")
        }
        for (i, image) in images.enumerated() { try ImageIO.write(image, to: directory + "/" + fileName(i)) }
        try writeTransforms(views: views, rig: rig, size: size, into: directory)
    }

    /// Writes transforms.json alone (for callers that write the images one at a time).
    public static func writeTransforms(views: [OrbitView], rig: OrbitRig, size: Int, into directory: String) throws {
        try transforms(views: views, rig: rig, size: size).write(to: directory + "/transforms.json")
    }

    /// One frame of a transforms.json: its image path and camera (at the file's resolution).
    public struct Frame: Sendable {
        public let name: String, imagePath: String, camera: Camera
    }

    /// The frames of `path` (a transforms.json), checked: each needs a file_path inside the folder, a
    /// 4x4 (or 3x4) finite rigid transform_matrix (`Camera.poseProblem`) and intrinsics (fl_x, else
    /// camera_angle_x; cx, cy default to the image centre); sizes are whole numbers within
    /// `InputLimit.imagePixels`. Image files are only opened when the file gives no size (`w`, `h`),
    /// to learn it from the first one.
    public static func frames(transforms path: String) throws -> [Frame] {
        let folder = (path as NSString).deletingLastPathComponent, file = try TransformsFile.read(path)
        guard !file.frames.isEmpty else { throw ViewsFolderError(path, "no frames") }
        var size: (Int, Int)?
        return try file.frames.enumerated().map { index, frame in
            let k = frame.intrinsics.over(file.intrinsics)
            guard let name = frame.filePath else { throw ViewsFolderError(path, "frame \(index) has no file_path") }
            guard staysInside(name) else {
                throw ViewsFolderError(path, "frame \(index) has file_path '\(name)', which leaves the views folder")
            }
            let imagePath = resolveImage(name, folder: folder)
            if let w = k.w, let h = k.h {
                guard w >= 1, h >= 1, w <= 1e9, h <= 1e9, w.rounded() == w, h.rounded() == h else {
                    throw ViewsFolderError(path, "frame \(index) has an invalid size (w \(w), h \(h); whole numbers of pixels >= 1 expected)")
                }
                try InputLimit.imagePixels.check(Int(w) * Int(h), claimed: "frame \(index)'s size \(Int(w))x\(Int(h)) (\(Int(w) * Int(h)) pixels)",
                                                 path: path)
                size = (Int(w), Int(h))
            } else if size == nil {
                guard let imagePath else { throw ViewsFolderError((folder as NSString).appendingPathComponent(name), "no such image (listed in \(path))") }
                let image = try ImageIO.read(imagePath)
                size = (image.width, image.height)
            }
            guard let matrix = frame.transformMatrix, matrix.count >= 3, matrix.allSatisfy({ $0.count == 4 }) else {
                throw ViewsFolderError(path, "frame \(index) (\(name)) has no 4x4 transform_matrix")
            }
            let m = matrix.map { $0.map(Float.init) }
            guard m.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                throw ViewsFolderError(path, "frame \(index) (\(name)) has a non-finite or non-numeric transform_matrix entry")
            }
            if let problem = Camera.poseProblem(cameraToWorld: m) {
                throw ViewsFolderError(path, "frame \(index) (\(name)): the transform_matrix \(problem)")
            }
            let (w, h) = (Float(size!.0), Float(size!.1))
            let fx: Float, fy: Float
            if let flx = k.flX {
                fx = Float(flx)
                fy = Float(k.flY ?? flx)
            } else if let angle = k.cameraAngleX {
                fx = 0.5 * w / tan(0.5 * Float(angle))
                fy = fx
            } else {
                throw ViewsFolderError(path, "no intrinsics for frame \(index) (need fl_x or camera_angle_x)")
            }
            let cx = Float(k.cx ?? Double(w) / 2), cy = Float(k.cy ?? Double(h) / 2)
            guard fx.isFinite, fy.isFinite, fx > 0, fy > 0, cx.isFinite, cy.isFinite else {
                throw ViewsFolderError(path, "frame \(index) has invalid intrinsics (fl_x \(fx), fl_y \(fy), cx \(cx), cy \(cy))")
            }
            let camera = Camera(width: size!.0, height: size!.1, fx: fx, fy: fy, cx: cx, cy: cy, cameraToWorldOpenGL: m)
            return Frame(name: (name as NSString).lastPathComponent,
                         imagePath: imagePath ?? (folder as NSString).appendingPathComponent(name), camera: camera)
        }
    }

    /// Whether the relative path `relative` stays inside the folder it is relative to (not absolute,
    /// never above it through `..`).
    public static func staysInside(_ relative: String) -> Bool {
        guard !relative.hasPrefix("/") else { return false }
        var depth = 0
        for part in relative.split(separator: "/") {
            if part == ".." { depth -= 1 } else if part != "." { depth += 1 }
            if depth < 0 { return false }
        }
        return true
    }

    /// file_path relative to the folder; NeRF-synthetic paths come without an extension.
    static func resolveImage(_ file: String, folder: String) -> String? {
        let base = (folder as NSString).appendingPathComponent(file)
        return [base, base + ".png", base + ".jpg"].first { FileManager.default.fileExists(atPath: $0) }
    }
}
