// The joint model (spec §7): the attribute net's conv11…conv42 are the parser's encoder.
import { type Tensor, nn, tidy } from '@facet/torch';
import { AttributeNet } from './attribute_net.js';
import { Parser, parserLoss, type ParserOutputs } from './parser.js';

export interface JointOptions {
  widthMult?: number;
  attributes?: number;
}

export class JointModel extends nn.Module {
  readonly parser: Parser;
  readonly attributes: AttributeNet;

  constructor(options: JointOptions = {}) {
    super();
    this.parser = this.registerModule('parser', new Parser({ widthMult: options.widthMult }));
    this.attributes = this.registerModule(
      'attributes',
      new AttributeNet({
        widthMult: options.widthMult,
        attributes: options.attributes,
        head: 'avg',
        sharedEncoder: this.parser.encoder,
      }),
    );
  }

  parse(x: Tensor): ParserOutputs {
    return this.parser.forward(x);
  }

  forward(x: Tensor): Tensor {
    return this.attributes.forward(x);
  }

  /** Attribute BCE on one batch plus the parsing loss on another, summed. */
  loss(attrImages: Tensor, attrTargets: Tensor, parseImages: Tensor, parseLabels: Tensor, attributeWeight = 1): Tensor {
    return tidy(() => {
      const bce = nn.functional.binaryCrossEntropyWithLogits(this.attributes.forward(attrImages), attrTargets);
      const parse = parserLoss(this.parser.forward(parseImages), parseLabels);
      return attributeWeight === 0 ? parse : parse.add(bce.mul(attributeWeight));
    });
  }
}
