// Sub-commands of the `nucleus` binary that talk to a server through the SDK live here.
