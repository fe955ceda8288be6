import ArgumentParser
import Tensor

@main
struct Orbit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orbit",
        abstract: "Reconstruct a 3D head from one portrait, on the CPU.",
        discussion: """
            Orbit has its tensor core, image IO, the perceptual and face networks with real \
            weights (LPIPS, SFace, YuNet; `orbit setup` fetches them) and the orbit generator \
            (`orbit init-model`, `orbit generate`; no trained default model yet). The data and \
            mesh commands arrive with their issues.
            """,
        version: OrbitVersion.string,
        subcommands: [ReconstructCommand.self, FaceCommand.self, CompareCommand.self, GenerateCommand.self, MeshCommand.self, InitModelCommand.self, SetupCommand.self, SynthCommand.self,
                      TrainCommand.self, EvaluateCommand.self, VerifyModelCommand.self]
    )

    static func main() {
        MallocPolicy.retainFreedMemory()
        main(nil)
    }
}
