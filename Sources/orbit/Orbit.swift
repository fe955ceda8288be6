import ArgumentParser

@main
struct Orbit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orbit",
        abstract: "Reconstruct a 3D head from one portrait, on the CPU.",
        discussion: """
            Today Orbit has its tensor core (autograd, convolution, attention, norms, Adam), \
            safetensors and image IO. `orbit demo` exercises them end to end; the generator \
            (`orbit generate`) and the data and mesh commands arrive with their issues.
            """,
        version: OrbitVersion.string,
        subcommands: [Demo.self]
    )
}
