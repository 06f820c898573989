# @summary The SQLAlchemy URL of a service's database: Galera through HAProxy on the VIP.
# @param database The database (named after the service).
# @param password The user's password.
# @param user The user, by default named as the database.
# @return [String] mysql+pymysql://user:password@vip/database
function oci::database_url(String[1] $database, String[1] $password, String[1] $user = $database) >> String {
  "mysql+pymysql://${user}:${password}@${oci::cluster::vip}/${database}"
}
