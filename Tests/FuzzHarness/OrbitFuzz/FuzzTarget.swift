import Foundation
import Tensor

/// One harness: a reader of one input format, driven with the fuzzer's bytes.
protocol FuzzHarness {
    /// Feeds `input` to the reader (and to what the commands do next with what it returns); thrown
    /// errors are the expected outcome of bad input. Checks that fail call `finding`.
    func run(_ input: Data) throws
    /// The seed corpus, file name -> bytes: valid files of the format and a few hand-made bad ones.
    func seeds() throws -> [String: Data]
}

/// A harness by name, with what it covers and how to prepare it (once per process).
struct FuzzTarget {
    let name: String
    let summary: String
    let make: (ScratchFolder) throws -> FuzzHarness
}

enum FuzzTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "png", summary: "ImageIO.decode of PNG (libpng), 1-megapixel limit", make: { ImageDecodeHarness(.png, scratch: $0) }),
        FuzzTarget(name: "jpeg", summary: "ImageIO.decode of JPEG (TurboJPEG, EXIF orientation), 1-megapixel limit",
                   make: { ImageDecodeHarness(.jpeg, scratch: $0) }),
        FuzzTarget(name: "splat-ply", summary: "PLYFile.decode (INRIA splats), then export to .spz/.splat/PLY and back",
                   make: { SplatPLYHarness(scratch: $0) }),
        FuzzTarget(name: "spz", summary: "SpzFile.decode (gzip, versions 2 and 3), then export to PLY and back", make: { SpzHarness(scratch: $0) }),
        FuzzTarget(name: "point-cloud-ply", summary: "PointCloudPLY.read and the --init cloud.ply Gaussians",
                   make: { PointCloudHarness(scratch: $0) }),
        FuzzTarget(name: "mesh-ply", summary: "ColouredMesh.read (MeshPLY.decode) and the viewer's mesh bytes", make: { MeshPLYHarness(scratch: $0) }),
        FuzzTarget(name: "safetensors", summary: "SafeTensorsFile (header JSON, offsets, dtypes, shapes) and every tensor read",
                   make: { SafeTensorsHarness(scratch: $0) }),
        FuzzTarget(name: "model-config", summary: "config.json of the UNet, VAE, CLIP, NPHM and UNet1D, model_index.json, identity_proj",
                   make: { try ModelConfigHarness(scratch: $0) }),
        FuzzTarget(name: "transforms-json", summary: "ViewsDataset.read of a views folder (nerfstudio and NeRF-synthetic)",
                   make: { try TransformsHarness(scratch: $0) }),
        FuzzTarget(name: "colmap-text", summary: "ViewsDataset.read and the points3D Gaussians of a text COLMAP project",
                   make: { try ColmapHarness(.text, scratch: $0) }),
        FuzzTarget(name: "colmap-binary", summary: "ViewsDataset.read and the points3D Gaussians of a binary COLMAP project",
                   make: { try ColmapHarness(.binary, scratch: $0) }),
        FuzzTarget(name: "splat-checkpoint", summary: "SplatTrainer.resume (splat fit --resume), then one training step",
                   make: { try SplatCheckpointHarness(scratch: $0) }),
        FuzzTarget(name: "trainer-checkpoint", summary: "TrainerCheckpoint.restore (orbit train --resume), then one optimiser step",
                   make: { TrainerCheckpointHarness(scratch: $0) }),
    ]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// Settings every harness shares.
enum FuzzOptions {
    /// Whether a thrown error must name a path under the scratch folder (the convention of
    /// docs/BAD_INPUTS.md); ORBIT_FUZZ_ERRORS_NAME_FILE=0 turns the check off.
    static let errorsMustNameTheFile = ProcessInfo.processInfo.environment["ORBIT_FUZZ_ERRORS_NAME_FILE"] != "0"

    /// The limits the readers enforce, lowered where the default lets one small input allocate more
    /// than a fuzzer's memory limit allows many times a second: images to 1 megapixel (the default 64
    /// megapixels decode to 1 GB of Float32). A limit already set in the environment is kept.
    static func applyInputLimits() {
        if ProcessInfo.processInfo.environment[InputLimit.imagePixels.variable] == nil {
            setenv(InputLimit.imagePixels.variable, "\(1 << 20)", 1)
        }
    }
}

/// A thrown error is the expected outcome of bad input, provided it names the file it is about (a path
/// under the harness's scratch `folder`), as docs/BAD_INPUTS.md has every error do.
func requireErrorNamesFile(_ error: Error, under folder: String) {
    if FuzzOptions.errorsMustNameTheFile && !"\(error)".contains(folder) {
        finding("the error does not name the file it is about: \(error)")
    }
}

/// Stops the run with `message`: libFuzzer reports the trap as a crash and keeps the input.
func finding(_ message: String) -> Never {
    fatalError("orbit-fuzz finding: \(message)")
}
