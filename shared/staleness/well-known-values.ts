/**
 * Values that are never secret: default passwords of databases and appliances, the most common
 * passwords of every breach list, and the sample keys of famous documentation. Lower case; the
 * check compares case-insensitively.
 */
export const WELL_KNOWN_VALUES: ReadonlySet<string> = new Set([
  // The most common passwords, and their usual decorations.
  'password', 'password1', 'password12', 'password123', 'password1234', 'password!', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'p@55w0rd',
  '123456', '1234567', '12345678', '123456789', '1234567890', '111111', '000000', '654321', '123123', '123qwe',
  'qwerty', 'qwerty123', 'qwertyuiop', 'asdfgh', 'asdfghjkl', 'zxcvbnm', '1q2w3e4r', '1qaz2wsx', 'abc123', 'abcd1234',
  'letmein', 'letmein1', 'welcome', 'welcome1', 'welcome123', 'iloveyou', 'monkey', 'dragon', 'master', 'sunshine',
  'princess', 'football', 'baseball', 'shadow', 'superman', 'trustno1', 'hunter2', 'starwars', 'whatever', 'freedom',
  'secret', 'secret123', 'mysecret', 'topsecret', 'supersecret', 'changeme', 'changeit', 'default', 'guest', 'test',
  'test123', 'testing', 'testpassword', 'demo', 'sample', 'temp', 'temp123', 'pass', 'pass123', 'pass1234',
  // Default accounts of databases and appliances.
  'admin', 'admin123', 'admin1234', 'administrator', 'root', 'toor', 'postgres', 'mysql', 'mariadb', 'redis',
  'oracle', 'sa', 'sysadmin', 'manager', 'tiger', 'scott', 'ubnt', 'raspberry', 'alpine', 'vagrant',
  'docker', 'kubernetes', 'minioadmin', 'rabbitmq', 'elastic', 'changeme123', 'mongo', 'mongodb', 'neo4j', 'airflow',
  // Sample keys from documentation that real configurations end up holding.
  'akiaiosfodnn7example', 'wjalrxutnfemi/k7mdeng/bpxrficyexamplekey', 'je7mtgbclwbf/2tk7mdeng/bpxrficyexamplekey',
  'your-256-bit-secret', 'your-secret-key', 'secretkey', 'my-secret-key', 'supersecretkey', 'shhhhh', 'keyboard cat',
  'sk_test_4ec39hqlyjwdarjtt1zdp7dc', 'pk_test_typ2q8tjmvbgqi3x4pxwemcg', 'xoxb-not-a-real-token-this-will-not-work',
]);
