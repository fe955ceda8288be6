import Foundation
import Models
import Pipeline
import TestSupport
import XCTest

/// Inputs the model-config harness found (Tests/Fuzz/model-config/regressions, docs/FUZZING.md), each
/// refused with an error naming the file.
final class PipelineFuzzRegressionTests: XCTestCase {
    /// A UNet1D config whose group count does not divide its channels was refused by the model, naming
    /// no file ("UNet1D: channels [4, 8] must divide by 3 groups").
    func testUNet1DConfigErrorNamesTheFile() throws {
        let path = FuzzRegressions.path("model-config", "unet1d-groups-error-names-no-file.json")
        assertThrows(try CodableConfigFile.read(UNet1DConfiguration.self, from: path, what: "a UNet1D configuration"),
                     containing: "unet1d-groups-error-names-no-file.json: UNet1D: channels [4, 8] must divide by 3 groups")
    }

    /// A generator folder with the committed default's configs (no weights) and `regression` as its
    /// unet/config.json.
    func generatorFolder(unetConfig regression: String) throws -> String {
        let folder = Fixtures.temporaryDirectory()
        let committed = try XCTUnwrap(CommittedWeights.locate(GeneratorModel.defaultName, containing: "model_index.json"))
        for file in ["model_index.json", "vae/config.json", "image_encoder/config.json", "identity_proj/config.json", "unet/config.json"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let source = file == "unet/config.json" ? FuzzRegressions.path("model-config", regression) : committed + "/" + file
            try FileManager.default.copyItem(atPath: source, toPath: folder + "/" + file)
        }
        return folder
    }

    /// A UNet config of 70 levels: the generator's resolution factor 8 << 69 overflowed to 0 and
    /// `resolution % factor` divided by zero in GeneratorModel.load.
    func testUNetConfigWithMoreLevelsThanALatentHas() throws {
        let folder = try generatorFolder(unetConfig: "unet-70-levels-resolution-factor-zero.json")
        assertThrows(try GeneratorModel.load(from: folder), containing: "unet/config.json: block_out_channels has 70 levels; at most 16")
    }

    /// A unet/config.json without its keys reads as SVD's sizes, which do not fit the other components:
    /// the error named no file ("generator configuration: the image encoder projects to 256 ...").
    func testComponentsThatDoNotFitNameTheFolder() throws {
        let folder = try generatorFolder(unetConfig: "unet-defaults-mismatch-error-names-no-folder.json")
        assertThrows(try GeneratorModel.load(from: folder),
                     containing: "\(folder): its components do not fit together: the image encoder projects to 256 but the UNet's context is 1024 wide")
    }
}
