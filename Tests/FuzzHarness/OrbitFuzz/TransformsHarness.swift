import Foundation
import Geometry
import Imaging
import Splat

/// transforms.json through `ViewsDataset.read(folder:)` (`splat fit`, `splat eval`; it runs
/// `ViewsFolder.frames`, which `splat render --cameras` runs alone): the nerfstudio layout (fl_x,
/// fl_y, cx, cy, w, h at the top or per frame) and NeRF-synthetic's (camera_angle_x, file paths
/// without extension), lenient decoding, file_path confinement to the folder, finite rigid poses,
/// sizes against ORBIT_MAX_IMAGE_PIXELS, images of the size the file gives. The folder holds
/// 000.png (8x8 RGBA) and 001.jpg (8x8 RGB); the views read must pass `DatasetViewsCheck`.
struct TransformsHarness: FuzzHarness {
    let scratch: ScratchFolder
    let folder: String

    init(scratch: ScratchFolder) throws {
        self.scratch = scratch
        folder = scratch.file("views")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pixels = (0..<256).map { Float($0 % 17) / 16 }
        try ImageIO.write(Image(width: 8, height: 8, channels: 4, pixels: pixels), to: folder + "/000.png")
        try ImageIO.write(Image(width: 8, height: 8, channels: 3, pixels: Array(pixels.prefix(192))), to: folder + "/001.jpg")
    }

    func run(_ input: Data) throws {
        try scratch.write(input, to: "views/transforms.json")
        DatasetViewsCheck.check(try ViewsDataset.read(folder: folder), readFrom: folder)
    }

    func seeds() throws -> [String: Data] {
        let views = [OrbitView(elevation: 10, azimuth: 0), OrbitView(elevation: -10, azimuth: 90)]
        let path = scratch.file("seed-transforms.json")
        var nerfstudio = ViewsFolder.transforms(views: views, rig: OrbitRig(), size: 8)
        nerfstudio.frames[1].filePath = "001.jpg"
        try nerfstudio.write(to: path)
        let orbit = try SeedCorpus.file(path)
        var seeds = ["nerfstudio-orbit.json": orbit]
        let pose = OrbitRig().cameraToWorld(views[0]).map { $0.map(Double.init) }
        func json(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }
        seeds["nerf-synthetic.json"] = try json(["camera_angle_x": 0.69, "frames": [["file_path": "./000", "rotation": 0.01, "transform_matrix": pose]]])
        seeds["per-frame-intrinsics-3x4.json"] = try json(["w": 8, "h": 8, "frames": [
            ["file_path": "001.jpg", "fl_x": 9.5, "fl_y": 10, "cx": 4.5, "cy": 3.5, "transform_matrix": Array(pose.prefix(3))]]])
        seeds["bad-nan.json"] = SeedCorpus.replacing("\"fl_x\" : ", with: "\"fl_x\" : NaN, \"x\" : ", in: orbit)
        seeds["bad-huge-width.json"] = SeedCorpus.replacing("\"w\" : 8", with: "\"w\" : 1e30", in: orbit)
        seeds["bad-escaping-path.json"] = SeedCorpus.replacing("\"000.png\"", with: "\"..\\/..\\/..\\/etc\\/passwd\"", in: orbit)
        seeds["bad-singular-pose.json"] = try json(["camera_angle_x": 0.69, "frames": [["file_path": "000.png",
                                                                                       "transform_matrix": [[0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]]]])
        seeds["bad-size-mismatch.json"] = SeedCorpus.replacing("\"w\" : 8", with: "\"w\" : 16", in: orbit)
        return seeds
    }
}
