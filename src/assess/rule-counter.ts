import { CappedList } from './bounded.js';

/** Examples kept per rule. */
export const RULE_EXAMPLES = 10;

/** Counts rule matches by rule id, keeping the first few example paths of each. */
export class RuleCounter {
  private readonly hits = new Map<string, CappedList<string>>();

  hit(ruleId: string, path: string): void {
    let list = this.hits.get(ruleId);
    if (list === undefined) {
      list = new CappedList<string>(RULE_EXAMPLES);
      this.hits.set(ruleId, list);
    }
    list.add(path);
  }

  get(ruleId: string): { count: number; examples: string[] } {
    const list = this.hits.get(ruleId);
    return list === undefined ? { count: 0, examples: [] } : { count: list.count, examples: list.items };
  }
}
