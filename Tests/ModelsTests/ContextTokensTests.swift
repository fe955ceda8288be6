import Models
import NN
import Tensor
import TestSupport
import XCTest

final class ContextTokensTests: XCTestCase {
    func testTokensAreTheImageEmbeddingAndTheProjectedIdentity() throws {
        let context = try ContextTokens(WeightScope(RandomInitializer(seed: 3)), contextDim: 6, identityDim: 4)
        let image = param([2, 6], seed: 1), identity = param([2, 4], seed: 2)
        let out = noGrad { context(image: image, identity: identity) }
        XCTAssertEqual(out.shape, [2, 2, 6])
        assertClose(out.slice(axis: 1, 0..<1).reshaped([2, 6]), image, rtol: 0, "token 0 is the image embedding")
        let named = Dictionary(uniqueKeysWithValues: context.namedParameters)
        let w = try XCTUnwrap(named["identity_proj.weight"]), bias = try XCTUnwrap(named["identity_proj.bias"])
        let expected = noGrad { identity.matmul(w.transposed(0, 1)) + bias }
        assertClose(out.slice(axis: 1, 1..<2).reshaped([2, 6]), expected, rtol: 1e-6, "token 1 is the projected identity")
        checkGradients([image, identity, w], "context tokens") { context(image: $0[0], identity: $0[1]) }
    }

    func testDroppedTokensAreZerosAndTheStockContextHasOneToken() throws {
        let context = try ContextTokens(WeightScope(RandomInitializer(seed: 3)), contextDim: 6, identityDim: 4)
        let image = param([1, 6], seed: 1), identity = param([1, 4], seed: 2)
        let dropped = noGrad { context(image: image, identity: identity, dropImage: true, dropIdentity: true) }
        XCTAssertEqual(dropped.toArray(), [Float](repeating: 0, count: 12))
        let stock = try ContextTokens(WeightScope(RandomInitializer(seed: 3)), contextDim: 6, identityDim: nil)
        XCTAssertEqual(stock.tokens, 1)
        XCTAssertEqual(noGrad { stock(image: image, identity: nil) }.shape, [1, 1, 6])
    }
}
