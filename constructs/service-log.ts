import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogStream } from "@cdktf/provider-aws/lib/cloudwatch-log-stream";
import { LOG_RETENTION_DAYS } from "../aws/limits";
import { check } from "../input/allowed";
import { LOG_RETENTION_DAYS_DEFAULT } from "./defaults";
import { PolicyStatement } from "./policy-document";

export interface ServiceLogProps {
  /** Log group name, e.g. `/aws/kinesisfirehose/Source`. */
  readonly groupName: string;
  /** The one log stream the service writes to. */
  readonly streamName: string;
  /**
   * Days the log events are kept (one of CloudWatch's allowed values).
   * @default LOG_RETENTION_DAYS_DEFAULT (14)
   */
  readonly logRetentionDays?: number;
}

/** A CloudWatch log group with a retention and the one log stream a service writes its errors to. */
export class ServiceLog extends Construct {
  readonly group: CloudwatchLogGroup;
  readonly stream: CloudwatchLogStream;

  constructor(scope: Construct, id: string, props: ServiceLogProps) {
    super(scope, id);
    const logRetentionDays = props.logRetentionDays ?? LOG_RETENTION_DAYS_DEFAULT;
    check("ServiceLog", "logRetentionDays", logRetentionDays, LOG_RETENTION_DAYS);
    this.group = new CloudwatchLogGroup(this, "group", {
      name: props.groupName,
      retentionInDays: logRetentionDays,
    });
    this.stream = new CloudwatchLogStream(this, "stream", {
      name: props.streamName,
      logGroupName: this.group.name,
    });
  }

  /** Lets a service write events to this log stream, and nothing else. */
  allowPutLogEvents(): PolicyStatement {
    return { sid: "WriteLogEvents", actions: ["logs:PutLogEvents"], resources: [this.stream.arn] };
  }
}
