INSERT INTO `members` (`id`, `name`, `passport_no`, `phone`) VALUES
(1, '王五', 'E12345678', '13700137000'),
(2, '赵六', 'G87654321', '13600136000');
