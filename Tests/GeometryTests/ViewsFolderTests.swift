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

extension ViewsFolderTests {
    /// Sizes that crashed or asked for 10^10 pixels, non-finite or non-rigid poses (which `Camera`
    /// would have inverted wrongly) and file paths leaving the folder are named errors.
    func testHostileTransformsAreRefused() throws {
        let dir = Fixtures.temporaryDirectory()
        try ImageIO.write(Image(width: 16, height: 12, channels: 3, filling: 0.2), to: dir + "/a.png")
        let pose = "[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 3], [0, 0, 0, 1]]"
        func frames(_ top: String, path: String = "a.png", matrix: String = pose) throws -> [ViewsFolder.Frame] {
            let json = #"{"fl_x": 40, \#(top) "frames": [{"file_path": "\#(path)", "transform_matrix": \#(matrix)}]}"#
            try json.write(toFile: dir + "/transforms.json", atomically: true, encoding: .utf8)
            return try ViewsFolder.frames(transforms: dir + "/transforms.json")
        }
        XCTAssertEqual(try frames(#""w": 16, "h": 12,"#).count, 1)
        let rotated = "[[0.6, 0, 0.8, 0], [0, 1, 0, 0], [-0.8, 0, 0.6, 3], [0, 0, 0, 1]]"
        XCTAssertEqual(try frames("", matrix: rotated).count, 1, "a rotation is a rigid pose")
        let bad: [(String, String, String, String)] = [
            (#""w": 1e30, "h": 12,"#, "a.png", pose, "frame 0 has an invalid size (w 1e+30, h 12.0; whole numbers of pixels >= 1 expected)"),
            (#""w": -64, "h": -64,"#, "a.png", pose, "frame 0 has an invalid size (w -64.0"),
            (#""w": 16.5, "h": 12,"#, "a.png", pose, "frame 0 has an invalid size (w 16.5"),
            (#""w": 100000, "h": 100000,"#, "a.png", pose,
             "frame 0's size 100000x100000 (10000000000 pixels) is over the limit of 67108864 pixels (set ORBIT_MAX_IMAGE_PIXELS to raise it)"),
            (#""cx": NaN,"#, "a.png", pose, "not valid JSON: NaN is not a JSON number"),
            ("", "a.png", "[[1, 0, 0, Infinity], [0, 1, 0, 0], [0, 0, 1, 3]]", "not valid JSON: Infinity is not a JSON number"),
            ("", "a.png", #"[[1, 0, 0, "nan"], [0, 1, 0, 0], [0, 0, 1, 3]]"#, "frame 0 (a.png) has a non-finite or non-numeric transform_matrix entry"),
            ("", "a.png", "[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 3], [0, 0, 0, 1]]",
             "frame 0 (a.png): the transform_matrix is singular (its rotation part has determinant 0.0), not an invertible pose"),
            ("", "a.png", "[[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 3], [0, 0, 0, 1]]", "frame 0 (a.png): the transform_matrix is not a rigid pose"),
            ("", "a.png", "[[-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 3], [0, 0, 0, 1]]", "frame 0 (a.png): the transform_matrix is not a rigid pose (its rotation part has determinant -1.0"),
            ("", "a.png", "[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 3], [0, 0, 5, 1]]", "frame 0 (a.png): the transform_matrix has the last row [0.0, 0.0, 5.0, 1.0] instead of [0, 0, 0, 1]"),
            ("", "../../../../etc/passwd", pose, "frame 0 has file_path '../../../../etc/passwd', which leaves the views folder"),
            ("", "/etc/passwd", pose, "frame 0 has file_path '/etc/passwd', which leaves the views folder"),
            ("", "images/../../a.png", pose, "frame 0 has file_path 'images/../../a.png', which leaves the views folder"),
        ]
        for (top, path, matrix, problem) in bad {
            XCTAssertThrowsError(try frames(top, path: path, matrix: matrix)) {
                XCTAssertTrue("\($0)".contains("transforms.json: " + problem), "\($0) (want \(problem))")
            }
        }
        XCTAssertTrue(ViewsFolder.staysInside("./images/../a.png"))
        XCTAssertFalse(ViewsFolder.staysInside("./.."))
    }
}
