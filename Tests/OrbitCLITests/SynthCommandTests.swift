import Foundation
import Imaging
import Synth
import Tensor
import TestSupport
import XCTest

// `orbit synth` end to end on a tiny dataset: the layout, the splits, resuming, and bad input.
extension OrbitCLITests {

    /// The binary looks for the model where `FaceKit.defaultPath` says (Data/ict-facekit in the checkout).
    func requireFaceKitForSynth() throws {
        guard FileManager.default.fileExists(atPath: FaceKit.defaultPath) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: FaceKit.defaultPath])
        }
    }

    func testSynthWritesTheDatasetLayoutAndResumes() throws {
        try requireFaceKitForSynth()
        let out = Fixtures.temporaryDirectory() + "/data"
        let arguments = ["synth", "--subjects", "3", "--appearances", "1", "--resolution", "24", "--sdf-samples", "40", "--seed", "5", "--out", out]
        let first = try orbit(arguments)
        XCTAssertEqual(first.status, 0, first.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/dataset.json"))) as! [String: Any]
        let splits = manifest["splits"] as! [String: [Int]]
        XCTAssertEqual(splits["train"]!.count, 1)
        XCTAssertEqual(splits["val"]!.count, 1)
        XCTAssertEqual(splits["test"]!.count, 1)
        XCTAssertEqual(Set(splits.values.flatMap { $0 }), [0, 1, 2])
        let set = out + "/subject_0001/appearance_00"
        let views = try FileManager.default.contentsOfDirectory(atPath: set + "/views")
        XCTAssertEqual(views.filter { $0.hasSuffix(".png") }.count, 96)
        let image = try ImageIO.read(set + "/views/032.png")
        XCTAssertEqual([image.width, image.height, image.channels], [24, 24, 4])
        XCTAssertGreaterThan(image[12, 12, 3], 0.9, "the head in the middle of the front view")
        XCTAssertEqual(image[0, 0, 3], 0, "background in the corner")
        let sdf = try SafeTensorsFile(path: set + "/sdf.safetensors")
        XCTAssertEqual(try sdf.tensor("surface_points").shape, [40, 3])
        XCTAssertEqual(try sdf.tensor("volume_sdf").shape, [10])
        let ply = try Data(contentsOf: URL(fileURLWithPath: set + "/mesh.ply"))
        XCTAssertTrue(String(decoding: ply.prefix(400), as: UTF8.self).contains("property uchar red"))
        let parameters = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: set + "/parameters.json"))) as! [String: Any]
        XCTAssertEqual((parameters["identity"] as! [Double]).count, 100)
        XCTAssertNotNil(parameters["hair"])

        // A lost image set is made again, byte for byte; the others are kept.
        try FileManager.default.removeItem(atPath: set)
        let again = try orbit(arguments)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: set + "/mesh.ply")), ply)

        // Other settings into the same folder are refused, naming the manifest.
        let other = try orbit(Array(arguments.dropLast(2)) + ["--out", out, "--resolution", "32"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains(out + "/dataset.json"), other.stderr)
    }

    func testSynthWithoutTheHeadModelFailsClearly() throws {
        let root = Fixtures.temporaryDirectory()
        let run = try orbit(["synth", "--facekit", root + "/missing.safetensors", "--out", root + "/data"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains(root + "/missing.safetensors"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/data"))
    }
}
