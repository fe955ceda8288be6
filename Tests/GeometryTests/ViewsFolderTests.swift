import Foundation
import Geometry
import Imaging
import TestSupport
import XCTest

final class ViewsFolderTests: XCTestCase {
    /// What the writer puts in transforms.json reads back as the same model, under nerfstudio's key
    /// names, and its frames give exactly the rig's cameras.
    func testWrittenFolderReadsBackAsTheRigsCameras() throws {
        let dir = Fixtures.temporaryDirectory()
        let views = [OrbitView(elevation: -10, azimuth: 0), OrbitView(elevation: 20, azimuth: 112.5), OrbitView(elevation: 40, azimuth: 337.5)]
        let rig = OrbitRig(distance: 2.75, fieldOfView: 30)
        let images = views.map { _ in Image(width: 24, height: 24, channels: 4, filling: 0.5) }
        try ViewsFolder.write(images: images, views: views, rig: rig, into: dir)

        let path = dir + "/transforms.json"
        let read = try TransformsFile.read(path)
        XCTAssertEqual(read, ViewsFolder.transforms(views: views, rig: rig, size: 24))
        XCTAssertEqual(read.orbit, TransformsFile.Rig(distance: 2.75, fovDegrees: 30))
        XCTAssertEqual(read.frames.map(\.elevationDegrees), [-10, 20, 40])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        XCTAssertEqual(Set(json.keys), ["camera_model", "fl_x", "fl_y", "cx", "cy", "w", "h", "k1", "k2", "p1", "p2", "orbit", "frames"])
        let frame = (json["frames"] as! [[String: Any]])[1]
        XCTAssertEqual(Set(frame.keys), ["file_path", "transform_matrix", "azimuth_deg", "elevation_deg"])
        XCTAssertEqual(json["w"] as? Int, 24)

        let frames = try ViewsFolder.frames(transforms: path)
        XCTAssertEqual(frames.map(\.name), ["000.png", "001.png", "002.png"])
        XCTAssertEqual(frames.map(\.imagePath), ["000.png", "001.png", "002.png"].map { dir + "/" + $0 })
        for (frame, view) in zip(frames, views) { XCTAssertEqual(frame.camera, rig.camera(view, size: 24)) }
    }

    /// A frame's own intrinsics win over the top level's; NeRF-synthetic files give camera_angle_x and
    /// take their size from the first image; wrong types read as absent and fail with the old messages.
    func testPerFrameIntrinsicsNeRFSyntheticAndErrors() throws {
        let dir = Fixtures.temporaryDirectory()
        try ImageIO.write(Image(width: 16, height: 12, channels: 3, filling: 0.2), to: dir + "/a.png")
        let pose = "[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 3], [0, 0, 0, 1]]"
        func frames(_ json: String) throws -> [ViewsFolder.Frame] {
            try json.write(toFile: dir + "/transforms.json", atomically: true, encoding: .utf8)
            return try ViewsFolder.frames(transforms: dir + "/transforms.json")
        }
        let mixed = try frames("""
            {"fl_x": 40, "w": 16, "h": 12, "frames": [{"file_path": "a.png", "transform_matrix": \(pose)},
                                                       {"file_path": "a.png", "fl_x": 20, "cx": 5, "transform_matrix": \(pose)}]}
            """)
        XCTAssertEqual(mixed.map(\.camera.fx), [40, 20])
        XCTAssertEqual(mixed.map(\.camera.cx), [8, 5])
        let synthetic = try frames(#"{"camera_angle_x": 0.5, "frames": [{"file_path": "./a", "transform_matrix": \#(pose)}]}"#)
        XCTAssertEqual(synthetic[0].camera.fx, 8 / tan(0.25), accuracy: 1e-4)
        XCTAssertEqual(synthetic[0].camera.height, 12)
        XCTAssertEqual(synthetic[0].imagePath, dir + "/./a.png")

        let bad: [(String, String)] = [
            ("[1, 2]", "not a JSON object"),
            (#"{"fl_x": 40, "frames": []}"#, "no frames"),
            (#"{"fl_x": 40, "frames": [{"transform_matrix": \#(pose)}]}"#, "frame 0 has no file_path"),
            (#"{"fl_x": 40, "frames": [{"file_path": "a.png", "transform_matrix": [[1, 0, 0]]}]}"#, "frame 0 (a.png) has no 4x4 transform_matrix"),
            (#"{"fl_x": "40", "frames": [{"file_path": "a.png", "transform_matrix": \#(pose)}]}"#, "no intrinsics for frame 0"),
            (#"{"fl_x": -1, "frames": [{"file_path": "a.png", "transform_matrix": \#(pose)}]}"#, "frame 0 has invalid intrinsics"),
        ]
        for (json, problem) in bad {
            XCTAssertThrowsError(try frames(json)) { XCTAssertTrue("\($0)".contains("transforms.json: " + problem), "\($0) (want \(problem))") }
        }
        XCTAssertThrowsError(try ViewsFolder.frames(transforms: dir + "/none/transforms.json")) {
            XCTAssertTrue("\($0)".contains("transforms.json: no such folder"), "\($0)")
        }
    }
}
