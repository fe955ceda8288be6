import Diffusion
import Foundation
import Geometry
import Imaging
import Models
import NN
import Pipeline
import Tensor
import TestSupport
import XCTest

final class OrbitGenerationTests: XCTestCase {
    func portrait() throws -> PreparedPortrait {
        PreparedPortrait(try ImageIO.read(Fixtures.path("yunet/astronaut.png")), resolution: 32, faces: nil)
    }

    /// Shapes through the whole generator, with guidance, and a run interrupted after step 1 and resumed
    /// from its saved sample equals the uninterrupted run.
    func testOrbitSamplingResumesExactly() throws {
        let model = try GeneratorModel.randomlyInitialised(.tiny, seed: 1)
        var settings = GenerationSettings()
        settings.steps = 3
        let views = OrbitView.ring(elevation: 10, count: 4)
        let conditions = model.conditions(for: try portrait(), identityEncoder: nil, settings: settings)
        XCTAssertEqual(conditions.imageEmbedding.shape, [1, 64])
        XCTAssertEqual(conditions.latent.shape, [1, 4, 4, 4])
        XCTAssertNil(conditions.identity)
        var saved: EDMSampler.State?
        let whole = model.sampleOrbit(conditions, views: views, settings: settings) { state in
            if state.done == 1 { saved = state }
        }
        XCTAssertEqual(whole.shape, [4, 4, 4, 4])
        let resumed = model.sampleOrbit(conditions, views: views, settings: settings, resume: saved!)
        XCTAssertEqual(resumed.toArray(), whole.toArray())
        let images = model.decodeViews(whole, chunk: 3)
        XCTAssertEqual(images.count, 4)
        XCTAssertEqual([images[0].width, images[0].height, images[0].channels], [32, 32, 3])
    }

    /// Each view's camera reaches the UNet: the same noise and conditions with one view's azimuth
    /// changed change the result.
    func testEachViewsCameraConditionsTheSample() throws {
        let model = try GeneratorModel.randomlyInitialised(.tiny, seed: 2)
        var settings = GenerationSettings()
        settings.steps = 2
        (settings.guidanceMin, settings.guidanceMax) = (1, 1)
        let conditions = model.conditions(for: try portrait(), identityEncoder: nil, settings: settings)
        var views = OrbitView.ring(elevation: 0, count: 2)
        let a = model.sampleOrbit(conditions, views: views, settings: settings)
        views[1].azimuth += 30
        let b = model.sampleOrbit(conditions, views: views, settings: settings)
        XCTAssertGreaterThan((a - b).abs().toArray().max()!, 1e-4)
    }

    /// The portrait's crop: white padding where the face-centred square leaves the image, area resize.
    func testPortraitWithAlphaGoesOnWhiteAndIsSquare() {
        var rgba = Image(width: 40, height: 20, channels: 4, filling: 0.5)
        for i in 0..<(40 * 20) { rgba.pixels[i * 4 + 3] = i % 40 < 20 ? 0 : 1 }  // left half transparent
        let prepared = PreparedPortrait(rgba, resolution: 20, faces: nil)
        XCTAssertEqual([prepared.view.width, prepared.view.height, prepared.view.channels], [20, 20, 3])
        XCTAssertEqual(prepared.view[0, 10, 0], 1, "transparent -> white")
        XCTAssertEqual(prepared.view[19, 10, 0], 0.5, accuracy: 1e-6)
        XCTAssertTrue(prepared.notes.contains { $0.contains("face networks not installed") })
    }

    func testGuidanceRisesFromTheInputViewToTheFarSide() {
        var s = GenerationSettings()
        (s.guidanceMin, s.guidanceMax) = (1, 3)
        let scales = s.guidanceScales(OrbitView.ring(elevation: 0, count: 4))
        XCTAssertEqual(scales, [1, 2, 3, 2])
    }
}
