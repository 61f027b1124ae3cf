// Compile-time proof (checked by `npm run typecheck`, part of `npm test`): the op table's type rejects a
// missing rule. If RulesFor<OpAttrs> ever stopped requiring every op, the @ts-expect-error below would
// itself become an error.
import type { RulesFor } from '../../src/autograd/index.ts';
import type { OpAttrs } from '../../src/autograd/table.ts';
import { RULES } from '../../src/autograd/table.ts';

const { relu: _dropped, ...withoutRelu } = RULES;
// @ts-expect-error - 'relu' is missing, so this is not a complete table.
export const incomplete: RulesFor<OpAttrs> = withoutRelu;
