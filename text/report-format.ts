/** How the commands that report (policy, verify, bench:verify) print: text for people, JSON for programs. */
import { satisfying } from "../input/allowed";

/** The `--format` values those commands take. */
export const REPORT_FORMAT = satisfying((text: string) => text === "text" || text === "json", "text or json");
