-- docker-compose.yml's mariadb init, like scripts/services/mariadb.sh: user kho may also use the
-- throwaway databases dept_% beside dept.
GRANT ALL PRIVILEGES ON `dept\_%`.* TO 'kho'@'%';
