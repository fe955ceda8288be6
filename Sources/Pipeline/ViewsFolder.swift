import Foundation
import Imaging

/// A views folder as DESIGN.md defines it (what `orbit generate` and `orbit synth` write and `splat
/// fit` reads): 000.png ... plus transforms.json in the nerfstudio layout (OPENCV camera model,
/// camera-to-world matrices in the OpenGL convention) with each frame's azimuth_deg and elevation_deg,
/// and the rig's distance and field of view under `orbit`.
public enum ViewsFolder {
    /// The transforms.json object for square views of side `size`.
    public static func transforms(views: [OrbitView], rig: OrbitRig, size: Int) -> [String: Any] {
        // Floats as their shortest decimal form (49.24294, not 49.24293899536133).
        func json(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }
        let focal = json(rig.focalLength(size: size))
        let frames = views.enumerated().map { i, view -> [String: Any] in
            ["file_path": fileName(i), "transform_matrix": rig.cameraToWorld(view).map { $0.map(json) },
             "azimuth_deg": json(view.azimuth), "elevation_deg": json(view.elevation)]
        }
        return ["camera_model": "OPENCV", "fl_x": focal, "fl_y": focal, "cx": Double(size) / 2, "cy": Double(size) / 2,
                "w": size, "h": size, "k1": 0, "k2": 0, "p1": 0, "p2": 0,
                "orbit": ["distance": json(rig.distance), "fov_deg": json(rig.fieldOfView)], "frames": frames]
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
        let data = try JSONSerialization.data(withJSONObject: transforms(views: views, rig: rig, size: size),
                                              options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: directory + "/transforms.json"), options: .atomic)
    }
}
