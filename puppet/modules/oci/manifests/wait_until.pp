# @summary Waits until a check succeeds, at most tries × try_sleep seconds: a service that later
#   resources need answering, where Puppet's own ordering only knows it was started. The exec is
#   titled "oci: <title>", for relationships.
# @param check The command that succeeds once the service answers.
# @param tries How many times to try.
# @param try_sleep Seconds between tries.
# @param creates A file whose existence means there is nothing to wait for any more (a first start done).
define oci::wait_until (
  String[1] $check,
  Integer[1] $tries = 60,
  Integer[1] $try_sleep = 5,
  Optional[Stdlib::Absolutepath] $creates = undef,
) {
  exec { "oci: ${title}":
    command   => $check,
    unless    => $check,
    creates   => $creates,
    tries     => $tries,
    try_sleep => $try_sleep,
  }
}
