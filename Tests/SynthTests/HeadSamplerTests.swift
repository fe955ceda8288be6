import Foundation
import Geometry
import Imaging
import Synth
import TestSupport
import XCTest

final class HeadSamplerTests: XCTestCase {
    func testSamplesAreDeterministicPlausibleAndVaried() throws {
        let sampler = HeadSampler()
        XCTAssertEqual(sampler.sample(seed: 7), sampler.sample(seed: 7))
        let heads = (0..<40).map { sampler.sample(seed: UInt64($0)) }
        XCTAssertEqual(Set(heads.map(\.identity)).count, 40)
        XCTAssertTrue(heads.allSatisfy { $0.identity.count == 100 && $0.identity.allSatisfy { abs($0) <= 2.5 } })
        XCTAssertGreaterThan(Set(heads.map(\.expressionPreset)).count, 5, "several expression presets")
        XCTAssertTrue(heads.allSatisfy { $0.expression.values.allSatisfy { (0...1).contains($0) } })
        let luminance = heads.map { 0.2126 * $0.skin[0] + 0.7152 * $0.skin[1] + 0.0722 * $0.skin[2] }
        XCTAssertLessThan(luminance.min()!, 0.2, "dark skin tones")
        XCTAssertGreaterThan(luminance.max()!, 0.45, "light skin tones")
    }

    /// Every preset names real ICT-FaceKit blendshapes; a sampled head renders the same bytes twice and
    /// differs from another seed's.
    func testPresetsUseTheModelsBlendshapesAndHeadsRender() throws {
        let kit = try FaceKitTests.requireModel()
        let names = Set(kit.expressionNames)
        for (preset, weights) in HeadSampler.presets { XCTAssertTrue(Set(weights.keys).isSubset(of: names), preset) }
        let camera = Camera(width: 64, height: 64, fx: 98.5, fy: 98.5, cx: 32, cy: 32,
                            cameraToWorldOpenGL: Camera.orbitPose(azimuth: 20, elevation: 10, distance: 3.5))
        func render(_ seed: UInt64) -> Image {
            let parameters = HeadSampler().sample(seed: seed)
            let mesh = SubjectBuilder(kit: kit).build(parameters).mesh()
            return StudioLighting(for: parameters).image(of: TriangleRasterizer.render(mesh, camera: camera), camera: camera)
        }
        let a = render(3)
        XCTAssertEqual(a.pixels, render(3).pixels)
        XCTAssertNotEqual(a.pixels, render(4).pixels)
        XCTAssertGreaterThan(a.pixels.enumerated().filter { $0.offset % 4 == 3 }.map(\.element).reduce(0, +), 300, "the head covers the view")
    }
}
