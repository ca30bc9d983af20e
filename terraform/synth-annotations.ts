import { App } from "cdktf";

const LEVELS: Partial<Record<string, string>> = { "@cdktf/info": "info", "@cdktf/warn": "warning", "@cdktf/error": "error" };

/**
 * Prints the warnings and notes constructs attached during synth. The cdktf CLI prints them
 * itself (it sets CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS), so this only speaks when run directly.
 */
export function printAnnotations(app: App, out: (line: string) => void = console.error): void {
  if (process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined) return;
  for (const node of app.node.findAll()) {
    for (const entry of node.node.metadata) {
      const level = LEVELS[entry.type];
      if (level !== undefined && level !== "error") out(`${level}: [${node.node.path}] ${String(entry.data)}`);
    }
  }
}
