import ArgumentParser

@main
struct Orbit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orbit",
        abstract: "Reconstruct a 3D head from one portrait, on the CPU.",
        discussion: """
            Today Orbit has its tensor core, image IO, and the perceptual and face networks \
            with real weights (LPIPS, SFace, YuNet; `orbit setup` fetches them). The generator \
            (`orbit generate`) and the data and mesh commands arrive with their issues.
            """,
        version: OrbitVersion.string,
        subcommands: [Demo.self, FaceCommand.self, CompareCommand.self, SetupCommand.self, VerifyModelCommand.self]
    )
}
